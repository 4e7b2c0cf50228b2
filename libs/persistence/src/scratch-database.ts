import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { serviceDataSourceOptions, ServiceDatabaseOptions } from './data-source-options';
import { openServiceDataSource } from './migrations';
import { ensureSchema } from './schema';

/**
 * For specs against the machine's real PostgreSQL: a database of its own (so suites run side by
 * side), the service's schema and migrations applied exactly as at start. `drop()` removes it.
 */
export async function migratedScratchDatabase(
  name: string,
  options: Pick<ServiceDatabaseOptions, 'schema' | 'migrations' | 'entities'>,
  adminUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
): Promise<{ db: DataSource; drop: () => Promise<void> }> {
  const database = `${name}_${process.pid}_${Date.now()}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  await ensureSchema(url.toString(), options.schema);
  const db = await openServiceDataSource(serviceDataSourceOptions({ url: url.toString(), poolMax: 4, ...options }));
  return {
    db,
    drop: async () => {
      await db.destroy();
      const cleanup = new Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
