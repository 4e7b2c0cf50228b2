import { DataSource, DataSourceOptions, MigrationExecutor } from 'typeorm';

/**
 * The advisory lock key of a schema's migrations: one per service schema in a database (advisory
 * locks are per database), computed by PostgreSQL itself so every replica and version agrees.
 */
export const MIGRATION_LOCK_KEY = `hashtextextended('cube.migrations.' || $1, 0)`;

/**
 * Runs the pending migrations of `dataSource` while holding a session-level advisory lock on the
 * one connection that runs them. TypeORM takes no lock of its own (`migrationsRun` in two replicas
 * starting at once both see a migration pending, and one crashes on a duplicate table or migrations
 * row); under the lock the second replica waits, then finds nothing pending. The lock and the
 * migrations share one connection so this also works where the pool has a single connection
 * (embedded PostgreSQL). The lock is released on success and on failure; a replica that dies
 * holding it loses its session, and with it the lock.
 */
export async function runMigrationsUnderLock(dataSource: DataSource, schema: string): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`, [schema]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = dataSource.options.migrationsTransactionMode ?? 'all';
      await executor.executePendingMigrations();
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`, [schema]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * The one way a Cube service opens its database: initialise the DataSource, then run its migrations
 * under the schema's migration lock (`runMigrationsUnderLock`). A failed migration closes the pool
 * and rethrows, so the process fails its start instead of serving an old schema.
 */
export async function openServiceDataSource(options: DataSourceOptions): Promise<DataSource> {
  const schema = 'schema' in options ? options.schema : undefined;
  if (!schema) throw new Error('a service DataSource names its schema');
  const dataSource = await new DataSource(options).initialize();
  try {
    await runMigrationsUnderLock(dataSource, schema);
  } catch (error: unknown) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  return dataSource;
}
