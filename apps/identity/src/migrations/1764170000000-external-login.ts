import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * LDAP and OIDC login: where a role binding came from (so group-mapped ones are reconciled at login
 * and manual ones never touched), and the pending OIDC logins (state, nonce, PKCE verifier).
 */
export class ExternalLogin1764170000000 implements MigrationInterface {
  name = 'ExternalLogin1764170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "identity"."role_bindings"
         ADD COLUMN "origin" varchar(8) NOT NULL DEFAULT 'manual' CHECK ("origin" IN ('manual', 'ldap', 'oidc')),
         ADD COLUMN "origin_group" varchar(1024)`,
    );
    // Read by state (single use: DELETE … RETURNING), so any identity replica can finish a login any gateway began.
    await q.query(`CREATE TABLE "identity"."oidc_logins" (
      "state_hash" char(64) PRIMARY KEY,
      "nonce" varchar(128) NOT NULL,
      "code_verifier" varchar(128) NOT NULL,
      "redirect" varchar(2048) NOT NULL,
      "expires_at" timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX "oidc_logins_expires_at" ON "identity"."oidc_logins" ("expires_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "identity"."oidc_logins"`);
    await q.query(`ALTER TABLE "identity"."role_bindings" DROP COLUMN "origin_group", DROP COLUMN "origin"`);
  }
}
