import { Pool } from 'pg';
import { QueryRunner } from 'typeorm';
import { Audit1764200000000 } from '../migrations/1764200000000-audit';
import { PlatformRequestId1765500000000 } from '../migrations/1765500000000-platform-request-id';
import { UnchainedEntry } from '../records/audit-chain';

export const ADMIN_DATABASE_URL = process.env['CUBE_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of the test's own with the audit schema migrated; `drop()` removes it. */
export async function auditTestDatabase(): Promise<{ pool: Pool; url: string; drop(): Promise<void> }> {
  const name = `audit_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new Pool({ connectionString: ADMIN_DATABASE_URL, max: 1 });
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  const pool = new Pool({ connectionString: url.toString(), max: 4 });
  // drop() ends the database WITH (FORCE): a connection still closing then is told so by the
  // server, which is expected, not a failure of the suite.
  pool.on('error', () => undefined);
  await pool.query('CREATE SCHEMA "audit"');
  const runner = { query: (sql: string) => pool.query(sql) } as unknown as QueryRunner;
  await new Audit1764200000000().up(runner);
  await new PlatformRequestId1765500000000().up(runner);
  return {
    pool,
    url: url.toString(),
    drop: async () => {
      await pool.end();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

let counter = 0;

/** An audit entry with defaults; a test states only what matters to it. */
export function makeEntry(overrides: Partial<UnchainedEntry> = {}): UnchainedEntry {
  counter += 1;
  return {
    id: `e-${Date.now()}-${counter}`,
    time: new Date(Date.UTC(2026, 10, 26, 12, 0, 0, counter)).toISOString(),
    source: 'cube',
    actor: { user: 'alice', groups: ['dev'], sourceIP: '10.0.0.1', userAgent: 'kubectl/v1.31' },
    action: 'user.create',
    target: { cluster: null, namespace: null, resource: 'User', name: 'bob', apiGroup: null },
    requestId: 'req-1',
    outcome: { status: 'success', code: 200, reason: null },
    latencyMs: 1.5,
    requestBody: null,
    ...overrides,
  };
}
