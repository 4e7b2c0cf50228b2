import { MigrationInterface, QueryRunner } from 'typeorm';

/** A user's live API tokens in keyset order, so each page of GET /tokens is an index range. */
export class ApiTokenPages1764190000000 implements MigrationInterface {
  name = 'ApiTokenPages1764190000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "api_tokens_live_by_user" ON "identity"."api_tokens" ("user_name", "created_at", "id") WHERE "revoked_at" IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "identity"."api_tokens_live_by_user"`);
  }
}
