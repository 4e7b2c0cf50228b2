import { MigrationInterface, QueryRunner } from 'typeorm';

/** Alert rules and receivers per project (README "Metrics and alerts"); they go with their project. */
export class Alerts1765000000000 implements MigrationInterface {
  name = 'Alerts1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "tenancy"."alert_rules" (
      "tenant" varchar(63) NOT NULL,
      "project" varchar(63) NOT NULL,
      "name" varchar(63) NOT NULL,
      "expr" varchar(4096) NOT NULL,
      "for" varchar(32) NOT NULL,
      "severity" varchar(16) NOT NULL,
      "summary" varchar(1024) NOT NULL,
      "created_by" varchar(256) NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      "version" integer NOT NULL DEFAULT 1,
      PRIMARY KEY ("tenant", "project", "name"),
      CONSTRAINT "alert_rules_tenant_project_fkey" FOREIGN KEY ("tenant", "project") REFERENCES "tenancy"."projects" ("tenant", "name") ON DELETE CASCADE
    )`);
    await q.query(`CREATE TABLE "tenancy"."alert_receivers" (
      "tenant" varchar(63) NOT NULL,
      "project" varchar(63) NOT NULL,
      "name" varchar(63) NOT NULL,
      "webhook_url" varchar(2048),
      "email_to" varchar(320),
      "created_by" varchar(256) NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      "version" integer NOT NULL DEFAULT 1,
      PRIMARY KEY ("tenant", "project", "name"),
      CONSTRAINT "alert_receivers_tenant_project_fkey" FOREIGN KEY ("tenant", "project") REFERENCES "tenancy"."projects" ("tenant", "name") ON DELETE CASCADE
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "tenancy"."alert_receivers"`);
    await q.query(`DROP TABLE "tenancy"."alert_rules"`);
  }
}
