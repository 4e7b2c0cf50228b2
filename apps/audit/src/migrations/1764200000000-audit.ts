import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit records partitioned by month of their time (partitions are made on demand by the store),
 * indexes for the query filters, a tsvector for free text, and the heads of the per-day hash chains.
 */
export class Audit1764200000000 implements MigrationInterface {
  name = 'Audit1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "audit"."events" (
      "time" timestamptz NOT NULL,
      "id" text NOT NULL,
      "chain_day" date NOT NULL,
      "chain_seq" bigint NOT NULL,
      "source" varchar(16) NOT NULL CHECK ("source" IN ('cube', 'kubernetes')),
      "actor_user" text NOT NULL,
      "actor_groups" text[] NOT NULL DEFAULT '{}',
      "source_ip" text,
      "user_agent" text,
      "action" text NOT NULL,
      "cluster" text,
      "namespace" text,
      "resource" text,
      "name" text,
      "api_group" text,
      "request_id" text,
      "outcome" varchar(8) NOT NULL CHECK ("outcome" IN ('success', 'failure')),
      "code" integer,
      "reason" text,
      "latency_ms" double precision,
      "request_body" jsonb,
      "prev_hash" char(64) NOT NULL,
      "hash" char(64) NOT NULL,
      "search" tsvector GENERATED ALWAYS AS (to_tsvector('simple',
        "actor_user" || ' ' || "action" || ' ' || coalesce("cluster", '') || ' ' || coalesce("namespace", '') || ' ' ||
        coalesce("resource", '') || ' ' || coalesce("name", '') || ' ' || coalesce("reason", '') || ' ' || coalesce("source_ip", ''))) STORED,
      PRIMARY KEY ("time", "id")
    ) PARTITION BY RANGE ("time")`);
    await q.query(`CREATE INDEX "events_user_time" ON "audit"."events" ("actor_user", "time" DESC, "id" DESC)`);
    await q.query(`CREATE INDEX "events_cluster_ns_time" ON "audit"."events" ("cluster", "namespace", "time" DESC)`);
    await q.query(`CREATE INDEX "events_resource_time" ON "audit"."events" ("resource", "time" DESC)`);
    await q.query(`CREATE INDEX "events_action_time" ON "audit"."events" ("action", "time" DESC)`);
    await q.query(`CREATE INDEX "events_time_id" ON "audit"."events" ("time" DESC, "id" DESC)`);
    await q.query(`CREATE INDEX "events_chain" ON "audit"."events" ("chain_day", "chain_seq")`);
    await q.query(`CREATE INDEX "events_search" ON "audit"."events" USING gin ("search")`);
    await q.query(`CREATE TABLE "audit"."chain_heads" (
      "day" date PRIMARY KEY,
      "seq" bigint NOT NULL,
      "hash" char(64) NOT NULL
    )`);
    await q.query(`CREATE TABLE "audit"."cluster_tokens" (
      "cluster" varchar(63) PRIMARY KEY,
      "token_hash" char(64) NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit"."cluster_tokens"`);
    await q.query(`DROP TABLE "audit"."chain_heads"`);
    await q.query(`DROP TABLE "audit"."events"`);
  }
}
