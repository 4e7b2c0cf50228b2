import { MigrationInterface, QueryRunner } from 'typeorm';
import { eventOutboxTableSql } from '@cube/messaging';

/** Domain events written with the change they describe, until the relay has stored them in CUBE_EVENTS. */
export class EventOutbox1764180000000 implements MigrationInterface {
  name = 'EventOutbox1764180000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(eventOutboxTableSql('"identity"."event_outbox"'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "identity"."event_outbox"`);
  }
}
