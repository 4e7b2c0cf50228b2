import { MigrationInterface, QueryRunner } from 'typeorm';

/** The member-cluster registry: sealed credentials and the last state Warden reported. */
export class Clusters1764170000000 implements MigrationInterface {
  name = 'Clusters1764170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "clusters"."clusters" (
      "name" varchar(63) PRIMARY KEY,
      "display_name" varchar(256) NOT NULL DEFAULT '',
      "description" varchar(2048) NOT NULL DEFAULT '',
      "status" varchar(16) NOT NULL DEFAULT 'pending' CHECK ("status" IN ('pending', 'normal', 'abnormal', 'unreachable')),
      "credentials" jsonb NOT NULL,
      "credentials_key_id" varchar(64) NOT NULL,
      "kubernetes_version" varchar(64),
      "nodes" integer,
      "capacity" jsonb NOT NULL DEFAULT '{}',
      "allocated" jsonb NOT NULL DEFAULT '{}',
      "sync_errors" jsonb NOT NULL DEFAULT '[]',
      "warden_version" varchar(64),
      "last_heartbeat" timestamptz,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "version" integer NOT NULL DEFAULT 1
    )`);
    await q.query(`CREATE INDEX "clusters_status_heartbeat" ON "clusters"."clusters" ("status", "last_heartbeat")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "clusters"."clusters"`);
  }
}
