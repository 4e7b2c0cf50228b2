import { Client } from 'pg';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { serviceDataSourceOptions } from './data-source-options';
import { openServiceDataSource } from './migrations';
import { ensureSchema } from './schema';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SCHEMA = 'migrations_spec';

// Plain CREATE TABLE (no IF NOT EXISTS): a migration that runs twice fails, as a real one would.
class CreateTenants1700000000001 implements MigrationInterface {
  name = 'CreateTenants1700000000001';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE TABLE "${SCHEMA}"."tenants" ("name" text PRIMARY KEY)`);
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "${SCHEMA}"."tenants"`);
  }
}

class CreateProjects1700000000002 implements MigrationInterface {
  name = 'CreateProjects1700000000002';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE TABLE "${SCHEMA}"."projects" ("name" text PRIMARY KEY, "tenant" text NOT NULL REFERENCES "${SCHEMA}"."tenants")`,
    );
    await runner.query(`CREATE INDEX "projects_tenant" ON "${SCHEMA}"."projects" ("tenant")`);
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "${SCHEMA}"."projects"`);
  }
}

class SeedTenant1700000000003 implements MigrationInterface {
  name = 'SeedTenant1700000000003';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`INSERT INTO "${SCHEMA}"."tenants" ("name") VALUES ('default')`);
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DELETE FROM "${SCHEMA}"."tenants" WHERE "name" = 'default'`);
  }
}

class Broken1700000000004 implements MigrationInterface {
  name = 'Broken1700000000004';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`SELECT * FROM "${SCHEMA}"."no_such_table"`);
  }
  async down(): Promise<void> {
    return undefined;
  }
}

const MIGRATIONS = [CreateTenants1700000000001, CreateProjects1700000000002, SeedTenant1700000000003];

/** What a service does at start: its schema, then its DataSource with the migrations. */
async function start(url: string, migrations: (typeof MIGRATIONS)[number][] | (typeof Broken1700000000004)[]): Promise<DataSource> {
  await ensureSchema(url, SCHEMA);
  return openServiceDataSource(serviceDataSourceOptions({ url, schema: SCHEMA, poolMax: 2, migrations }));
}

// Replicas of one service starting at once against a fresh database (the HA deployment's first
// start, or an upgrade): every one starts, and each migration runs exactly once.
describe('openServiceDataSource', () => {
  let database: string;
  let url: string;
  const opened: DataSource[] = [];

  const admin = async <T>(run: (client: Client) => Promise<T>, on = ADMIN_URL): Promise<T> => {
    const client = new Client({ connectionString: on });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };

  beforeEach(async () => {
    database = `migrations_lock_${process.pid}_${Date.now()}`;
    await admin((client) => client.query(`CREATE DATABASE "${database}"`));
    const parsed = new URL(ADMIN_URL);
    parsed.pathname = `/${database}`;
    url = parsed.toString();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.destroy()));
    await admin((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  });

  it('lets replicas starting at once on a fresh database all start, each migration applied once', async () => {
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => start(url, MIGRATIONS)));
    for (const result of results) if (result.status === 'fulfilled') opened.push(result.value);
    expect(
      results.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason)),
    ).toEqual([]);

    const applied = await admin(
      async (client) => (await client.query(`SELECT "name" FROM "${SCHEMA}"."migrations" ORDER BY "name"`)).rows,
      url,
    );
    expect(applied.map((row: { name: string }) => row.name)).toEqual([
      'CreateProjects1700000000002',
      'CreateTenants1700000000001',
      'SeedTenant1700000000003',
    ]);
    const tenants = await admin(async (client) => (await client.query(`SELECT "name" FROM "${SCHEMA}"."tenants"`)).rows, url);
    expect(tenants).toEqual([{ name: 'default' }]);
  });

  it('releases the lock when a migration fails, so the next start goes ahead', async () => {
    await expect(start(url, [...MIGRATIONS, Broken1700000000004])).rejects.toThrow('no_such_table');
    const held = await admin(
      async (client) => (await client.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'`)).rows,
      url,
    );
    expect(held).toEqual([{ n: 0 }]);

    // The migrations before the broken one stay applied (one transaction each); a fixed release starts.
    opened.push(await start(url, MIGRATIONS));
    const applied = await admin(
      async (client) => (await client.query(`SELECT count(*)::int AS n FROM "${SCHEMA}"."migrations"`)).rows,
      url,
    );
    expect(applied).toEqual([{ n: 3 }]);
  });
});
