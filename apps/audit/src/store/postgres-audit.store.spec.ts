import { Pool } from 'pg';
import { auditStoreContract } from './audit-store.contract';
import { auditTestDatabase, makeEntry } from './audit-store.testing';
import { PostgresAuditStore } from './postgres-audit.store';
import { sqlClientOfPool } from './sql-client';

describe('PostgresAuditStore on the real PostgreSQL', () => {
  let database: { pool: Pool; drop(): Promise<void> };
  let store: PostgresAuditStore;

  beforeAll(async () => {
    database = await auditTestDatabase();
    store = new PostgresAuditStore(sqlClientOfPool(database.pool));
    await store.init();
  });
  afterAll(() => database.drop());

  auditStoreContract(() => ({
    store,
    tamper: async (id) => {
      await database.pool.query(`UPDATE "audit"."events" SET "outcome" = 'failure' WHERE "id" = $1`, [id]);
    },
  }));

  it('makes the month partitions it needs', async () => {
    await store.append([makeEntry({ time: '2024-02-29T23:00:00.000Z' })]);
    const partitions = await database.pool.query(`SELECT 1 FROM pg_class WHERE relname = 'events_y2024m02' AND relispartition`);
    expect(partitions.rowCount).toBe(1);
  });

  it('reports a deleted record as a missing link', async () => {
    const victim = makeEntry();
    await store.append([makeEntry(), victim, makeEntry()]);
    await database.pool.query(`UPDATE "audit"."events" SET "outcome" = 'success' WHERE "outcome" = 'failure' AND "actor_user" = 'mallory'`);
    await database.pool.query(`DELETE FROM "audit"."events" WHERE "id" = $1`, [victim.id]);
    expect((await store.verify(null, null)).firstBroken?.reason).toMatch(/is missing/);
  });
});
