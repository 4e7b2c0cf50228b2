import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The Cube request a member's own audit event belongs to (the `cube-request-id` user extra Cube's
 * proxy sets), indexed so a platform record finds the member's events of the same request.
 */
export class PlatformRequestId1765500000000 implements MigrationInterface {
  name = 'PlatformRequestId1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "audit"."events" ADD COLUMN "platform_request_id" text`);
    // Most records have none: only those that do are indexed.
    await q.query(
      `CREATE INDEX "events_platform_request_id" ON "audit"."events" ("platform_request_id") WHERE "platform_request_id" IS NOT NULL`,
    );
    // A record by id (`GET /api/v1/audit/events/{id}`) and a platform record by its request id.
    await q.query(`CREATE INDEX "events_id" ON "audit"."events" ("id")`);
    await q.query(`CREATE INDEX "events_request_id" ON "audit"."events" ("request_id") WHERE "request_id" IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "audit"."events_request_id"`);
    await q.query(`DROP INDEX "audit"."events_id"`);
    await q.query(`DROP INDEX "audit"."events_platform_request_id"`);
    await q.query(`ALTER TABLE "audit"."events" DROP COLUMN "platform_request_id"`);
  }
}
