import { MigrationInterface, QueryRunner } from 'typeorm';
import { eventOutboxTable, eventOutboxTableSql } from '@cube/messaging';

/** Domain events written with the change they describe, until the relay has stored them in CUBE_EVENTS. */
export class EventOutbox1764190000000 implements MigrationInterface {
  name = 'EventOutbox1764190000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(eventOutboxTableSql(eventOutboxTable('clusters')));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${eventOutboxTable('clusters')}`);
  }
}
