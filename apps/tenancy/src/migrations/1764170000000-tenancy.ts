import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants → projects → namespaces, the quota ledger (tenant share per cluster, namespace shares in
 * `namespaces.quota`), usage reported by Warden, and the projection of identity's role bindings.
 */
export class Tenancy1764170000000 implements MigrationInterface {
  name = 'Tenancy1764170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "tenancy"."tenants" (
      "name" varchar(63) PRIMARY KEY,
      "display_name" varchar(256) NOT NULL DEFAULT '',
      "description" varchar(2048) NOT NULL DEFAULT '',
      "labels" jsonb NOT NULL DEFAULT '{}',
      "created_by" varchar(256) NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      "version" integer NOT NULL DEFAULT 1
    )`);
    await q.query(`CREATE TABLE "tenancy"."projects" (
      "tenant" varchar(63) NOT NULL REFERENCES "tenancy"."tenants" ("name") ON DELETE RESTRICT,
      "name" varchar(63) NOT NULL,
      "display_name" varchar(256) NOT NULL DEFAULT '',
      "description" varchar(2048) NOT NULL DEFAULT '',
      "labels" jsonb NOT NULL DEFAULT '{}',
      "created_by" varchar(256) NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      "version" integer NOT NULL DEFAULT 1,
      PRIMARY KEY ("tenant", "name")
    )`);
    // A namespace name is unique per cluster (Kubernetes), whatever tenant holds it.
    await q.query(`CREATE TABLE "tenancy"."namespaces" (
      "cluster" varchar(63) NOT NULL,
      "name" varchar(63) NOT NULL,
      "tenant" varchar(63) NOT NULL,
      "project" varchar(63) NOT NULL,
      "quota" jsonb,
      "created_by" varchar(256) NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "version" integer NOT NULL DEFAULT 1,
      PRIMARY KEY ("cluster", "name"),
      FOREIGN KEY ("tenant", "project") REFERENCES "tenancy"."projects" ("tenant", "name") ON DELETE RESTRICT
    )`);
    await q.query(`CREATE INDEX "namespaces_tenant_cluster" ON "tenancy"."namespaces" ("tenant", "cluster")`);
    await q.query(`CREATE INDEX "namespaces_project" ON "tenancy"."namespaces" ("tenant", "project")`);
    // The ledger's lock: every allocation in (tenant, cluster) takes this row FOR UPDATE first.
    await q.query(`CREATE TABLE "tenancy"."tenant_quotas" (
      "tenant" varchar(63) NOT NULL REFERENCES "tenancy"."tenants" ("name") ON DELETE CASCADE,
      "cluster" varchar(63) NOT NULL,
      "hard" jsonb NOT NULL DEFAULT '{}',
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      "version" integer NOT NULL DEFAULT 1,
      PRIMARY KEY ("tenant", "cluster")
    )`);
    // What Warden reports from each ResourceQuota's status (nothing writes it before Warden does).
    await q.query(`CREATE TABLE "tenancy"."quota_usage" (
      "cluster" varchar(63) NOT NULL,
      "namespace" varchar(63) NOT NULL,
      "used" jsonb NOT NULL DEFAULT '{}',
      "reported_at" timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY ("cluster", "namespace")
    )`);
    // Identity's bindings as last heard; a deleted binding stays as a tombstone so a late
    // "created" event or an older snapshot cannot bring it back (binding ids are never reused).
    await q.query(`CREATE TABLE "tenancy"."role_bindings" (
      "id" uuid PRIMARY KEY,
      "subject_kind" varchar(8) NOT NULL,
      "subject_name" varchar(256) NOT NULL,
      "role" varchar(32) NOT NULL,
      "scope_kind" varchar(16) NOT NULL,
      "tenant" varchar(63),
      "project" varchar(63),
      "created_at" timestamptz NOT NULL,
      "created_by" varchar(256) NOT NULL,
      "version" integer NOT NULL,
      "origin" varchar(8) NOT NULL DEFAULT 'manual',
      "deleted" boolean NOT NULL DEFAULT false,
      "synced_at" timestamptz NOT NULL DEFAULT clock_timestamp()
    )`);
    await q.query(`CREATE INDEX "role_bindings_subject" ON "tenancy"."role_bindings" ("subject_kind", "subject_name") WHERE NOT "deleted"`);
    await q.query(`CREATE INDEX "role_bindings_tenant" ON "tenancy"."role_bindings" ("tenant", "project") WHERE NOT "deleted"`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['role_bindings', 'quota_usage', 'tenant_quotas', 'namespaces', 'projects', 'tenants']) {
      await q.query(`DROP TABLE "tenancy"."${table}"`);
    }
  }
}
