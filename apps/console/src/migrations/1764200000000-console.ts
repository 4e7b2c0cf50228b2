import { MigrationInterface, QueryRunner } from 'typeorm';

/** Terminal sessions and their recordings (asciicast v2 event lines in bounded chunks). */
export class Console1764200000000 implements MigrationInterface {
  name = 'Console1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "console"."sessions" (
      "id" uuid PRIMARY KEY,
      "kind" varchar(16) NOT NULL,
      "user_name" varchar(256) NOT NULL,
      "user_groups" jsonb NOT NULL,
      "cluster" varchar(63) NOT NULL,
      "namespace" varchar(63) NOT NULL,
      "pod" varchar(253) NOT NULL,
      "container" varchar(63) NOT NULL,
      "commands" jsonb NOT NULL,
      "tenant" varchar(63) NOT NULL,
      "project" varchar(63) NOT NULL,
      "state" varchar(16) NOT NULL,
      "ticket_hash" char(64),
      "ticket_expires_at" timestamptz NOT NULL,
      "record_input" boolean NOT NULL,
      "token_id" uuid,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "started_at" timestamptz,
      "ended_at" timestamptz,
      "exit_code" integer,
      "end_reason" varchar(1024),
      "cols" integer NOT NULL DEFAULT 80,
      "rows" integer NOT NULL DEFAULT 24
    )`);
    // The per-user limit counts a user's open sessions; lists go newest first.
    await q.query(`CREATE INDEX "sessions_user_open" ON "console"."sessions" ("user_name") WHERE "state" <> 'ended'`);
    await q.query(`CREATE INDEX "sessions_created" ON "console"."sessions" ("created_at" DESC, "id" DESC)`);
    await q.query(`CREATE TABLE "console"."recording_chunks" (
      "session_id" uuid NOT NULL REFERENCES "console"."sessions" ("id") ON DELETE CASCADE,
      "seq" integer NOT NULL,
      "lines" text NOT NULL,
      PRIMARY KEY ("session_id", "seq")
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "console"."recording_chunks"`);
    await q.query(`DROP TABLE "console"."sessions"`);
  }
}
