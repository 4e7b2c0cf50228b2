import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { CubeError } from '@cube/contracts';

// PostgreSQL: serialization_failure, deadlock_detected. Retried: the losing transaction did nothing.
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Runs `work` in a READ COMMITTED transaction and retries it a few times when PostgreSQL aborts it
 * for a deadlock or a serialization failure, so contention never surfaces as a 500.
 */
export async function inTransaction<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction('READ COMMITTED', work);
    } catch (error: unknown) {
      const code = error instanceof QueryFailedError ? (error.driverError as { code?: string }).code : undefined;
      if (!code || !RETRYABLE.has(code)) throw error;
      if (attempt >= attempts) throw new CubeError('UNAVAILABLE', 'the database is too busy; try again', { reason: code });
    }
  }
}

/** The PostgreSQL error code of a failed query (e.g. 23505 unique_violation), if any. */
export function pgCode(error: unknown): string | undefined {
  return error instanceof QueryFailedError ? (error.driverError as { code?: string }).code : undefined;
}
