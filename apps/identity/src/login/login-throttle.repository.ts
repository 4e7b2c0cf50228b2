import { Injectable } from '@nestjs/common';
import { DataSource, In, Repository } from 'typeorm';
import { LoginThrottleEntity } from './login-throttle.entity';

/** The `identity.login_throttle` table: failure counts and locks per key, shared by every identity replica. */
@Injectable()
export class LoginThrottleRepository {
  constructor(private readonly db: DataSource) {}

  private get rows(): Repository<LoginThrottleEntity> {
    return this.db.getRepository(LoginThrottleEntity);
  }

  /** Whole seconds until the last of these keys' locks ends, or 0 when none is locked. */
  async lockedForSeconds(keys: string[]): Promise<number> {
    const row = await this.rows
      .createQueryBuilder('t')
      .select('ceil(extract(epoch FROM max(t.locked_until) - now()))::int', 'wait')
      .where({ key: In(keys) })
      .andWhere('t.lockedUntil > now()')
      .getRawOne<{ wait: number | null }>();
    return row?.wait && row.wait > 0 ? row.wait : 0;
  }

  /**
   * Counts a failure of `key` in the window of `windowSeconds` (a new window once it has passed) and
   * locks the key for `windowSeconds` once the count reaches `limit`.
   */
  async recordFailure(key: string, limit: number, windowSeconds: number): Promise<void> {
    // Raw SQL: one INSERT … ON CONFLICT DO UPDATE, so concurrent failures cannot lose a count (the upsert locks the row).
    await this.db.query(
      `INSERT INTO "identity"."login_throttle" AS t ("key", "failures", "window_started_at", "locked_until")
       VALUES ($1, 1, now(), CASE WHEN 1 >= $2 THEN now() + make_interval(secs => $3) END)
       ON CONFLICT ("key") DO UPDATE SET
         "failures" = CASE WHEN t."window_started_at" < now() - make_interval(secs => $3) THEN 1 ELSE t."failures" + 1 END,
         "window_started_at" = CASE WHEN t."window_started_at" < now() - make_interval(secs => $3) THEN now() ELSE t."window_started_at" END,
         "locked_until" = CASE
           WHEN (CASE WHEN t."window_started_at" < now() - make_interval(secs => $3) THEN 1 ELSE t."failures" + 1 END) >= $2
           THEN now() + make_interval(secs => $3) ELSE t."locked_until" END`,
      [key, limit, windowSeconds],
    );
  }

  async clear(key: string): Promise<void> {
    await this.rows.delete({ key });
  }
}
