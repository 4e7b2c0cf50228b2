import { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, credentials, signing keys, refresh and API tokens, login throttling, role bindings. */
export class Identity1764160000000 implements MigrationInterface {
  name = 'Identity1764160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "identity"."users" (
      "name" varchar(63) PRIMARY KEY,
      "display_name" varchar(256) NOT NULL DEFAULT '',
      "email" varchar(320),
      "phone" varchar(64),
      "state" varchar(16) NOT NULL DEFAULT 'active' CHECK ("state" IN ('active', 'disabled')),
      "source" varchar(16) NOT NULL CHECK ("source" IN ('local', 'ldap', 'oidc')),
      "password_hash" text,
      "groups" text[] NOT NULL DEFAULT '{}',
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "last_login_at" timestamptz,
      "version" integer NOT NULL DEFAULT 1
    )`);
    await q.query(`CREATE TABLE "identity"."signing_keys" (
      "kid" varchar(64) PRIMARY KEY,
      "private_jwk" jsonb NOT NULL,
      "public_jwk" jsonb NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "retired_at" timestamptz,
      "published_until" timestamptz
    )`);
    await q.query(`CREATE TABLE "identity"."refresh_tokens" (
      "id" uuid PRIMARY KEY,
      "family_id" uuid NOT NULL,
      "user_name" varchar(63) NOT NULL REFERENCES "identity"."users" ("name") ON DELETE CASCADE,
      "token_hash" char(64) NOT NULL UNIQUE,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "expires_at" timestamptz NOT NULL,
      "used_at" timestamptz,
      "revoked_at" timestamptz
    )`);
    await q.query(`CREATE INDEX "refresh_tokens_family" ON "identity"."refresh_tokens" ("family_id")`);
    await q.query(`CREATE TABLE "identity"."api_tokens" (
      "id" uuid PRIMARY KEY,
      "user_name" varchar(63) NOT NULL REFERENCES "identity"."users" ("name") ON DELETE CASCADE,
      "name" varchar(128) NOT NULL,
      "token_hash" char(64) NOT NULL UNIQUE,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "expires_at" timestamptz,
      "last_used_at" timestamptz,
      "revoked_at" timestamptz,
      UNIQUE ("user_name", "name")
    )`);
    await q.query(`CREATE TABLE "identity"."login_throttle" (
      "key" varchar(320) PRIMARY KEY,
      "failures" integer NOT NULL,
      "window_started_at" timestamptz NOT NULL,
      "locked_until" timestamptz
    )`);
    await q.query(`CREATE TABLE "identity"."role_bindings" (
      "id" uuid PRIMARY KEY,
      "subject_kind" varchar(8) NOT NULL CHECK ("subject_kind" IN ('User', 'Group')),
      "subject_name" varchar(256) NOT NULL,
      "role" varchar(32) NOT NULL,
      "scope_kind" varchar(16) NOT NULL CHECK ("scope_kind" IN ('platform', 'tenant', 'project')),
      "tenant" varchar(63),
      "project" varchar(63),
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "created_by" varchar(256) NOT NULL,
      "version" integer NOT NULL DEFAULT 1
    )`);
    await q.query(
      `CREATE UNIQUE INDEX "role_bindings_unique" ON "identity"."role_bindings"
       ("subject_kind", "subject_name", "role", "scope_kind", COALESCE("tenant", ''), COALESCE("project", ''))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['role_bindings', 'login_throttle', 'api_tokens', 'refresh_tokens', 'signing_keys', 'users']) {
      await q.query(`DROP TABLE "identity"."${table}"`);
    }
  }
}
