import { Pool, PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { SqlClient } from './postgres-audit.store';

/** The service's TypeORM connection as a SqlClient. */
export function sqlClientOf(source: DataSource | EntityManager): SqlClient {
  return {
    query: async <T>(sql: string, params?: unknown[]) => (await source.query(sql, params)) as T[],
    transaction: (work) =>
      source instanceof DataSource
        ? source.transaction('READ COMMITTED', (manager) => work(sqlClientOf(manager)))
        : work(sqlClientOf(source)),
  };
}

/** A pg Pool as a SqlClient, for the command-line tools (verify, bench). */
export function sqlClientOfPool(pool: Pool | PoolClient): SqlClient {
  return {
    query: async <T>(sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as T[],
    transaction: async (work) => {
      const client = pool instanceof Pool ? await pool.connect() : pool;
      try {
        await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        const result = await work(sqlClientOfPool(client));
        await client.query('COMMIT');
        return result;
      } catch (error: unknown) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        if (pool instanceof Pool) (client as PoolClient).release();
      }
    },
  };
}
