import { Client } from 'pg';
import { redactDatabaseUrl } from './database-url';
import { MIGRATION_LOCK_KEY } from './migrations';

/** The database could not be reached or refused us: a start-up failure with a one-line reason. */
export class DatabaseUnavailableError extends Error {
  constructor(url: string, cause: string) {
    super(`cannot use PostgreSQL at ${redactDatabaseUrl(url)}: ${cause}`);
    this.name = 'DatabaseUnavailableError';
  }
}

const SCHEMA_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * Creates the service's own schema before TypeORM starts: TypeORM keeps its migrations table
 * inside that schema, so the schema must exist before the first migration runs. Under the schema's
 * migration lock: two replicas' `CREATE SCHEMA IF NOT EXISTS` at once can otherwise fail on a unique violation.
 */
export async function ensureSchema(url: string, schema: string, connectTimeoutMs = 5000): Promise<void> {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const client = new Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  try {
    await client.connect();
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`, [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query('COMMIT');
  } catch (error: unknown) {
    const err = error as { code?: string; message?: string };
    const reason = [err.code, err.message].filter(Boolean).join(' ') || String(error);
    throw new DatabaseUnavailableError(url, reason);
  } finally {
    await client.end().catch(() => undefined);
  }
}
