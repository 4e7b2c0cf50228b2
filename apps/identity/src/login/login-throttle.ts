import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CubeError } from '@cube/contracts';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { IdentityEnvironment } from '../identity-environment';

/**
 * Slows down password guessing: failures are counted per user and per client address in
 * PostgreSQL (shared by every identity replica); past the limit the key is locked for a while
 * and every attempt, right or wrong, gets 429 with Retry-After.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    private readonly db: DataSource,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: IdentityEnvironment,
  ) {}

  static keysFor(userName: string, clientIp: string): { user: string; ip: string } {
    return { user: `user:${userName.toLowerCase()}`, ip: `ip:${clientIp}` };
  }

  /** Throws RATE_LIMITED while either key is locked. */
  async assertNotLocked(userName: string, clientIp: string): Promise<void> {
    const keys = LoginThrottle.keysFor(userName, clientIp);
    const rows = (await this.db.query(
      `SELECT ceil(extract(epoch FROM max("locked_until") - now()))::int AS wait
       FROM "identity"."login_throttle" WHERE "key" = ANY($1) AND "locked_until" > now()`,
      [[keys.user, keys.ip]],
    )) as { wait: number | null }[];
    const wait = rows[0]?.wait;
    if (wait && wait > 0) {
      throw new CubeError('RATE_LIMITED', 'too many failed logins; try again later', { retryAfterSeconds: wait });
    }
  }

  async recordFailure(userName: string, clientIp: string): Promise<void> {
    const keys = LoginThrottle.keysFor(userName, clientIp);
    const window = this.env.CUBE_LOGIN_LOCKOUT_SECONDS;
    for (const [key, limit] of [
      [keys.user, this.env.CUBE_LOGIN_MAX_FAILURES_PER_USER],
      [keys.ip, this.env.CUBE_LOGIN_MAX_FAILURES_PER_IP],
    ] as const) {
      // One statement: concurrent failures cannot lose a count (the row is locked by the upsert).
      await this.db.query(
        `INSERT INTO "identity"."login_throttle" AS t ("key", "failures", "window_started_at", "locked_until")
         VALUES ($1, 1, now(), CASE WHEN 1 >= $2 THEN now() + make_interval(secs => $3) END)
         ON CONFLICT ("key") DO UPDATE SET
           "failures" = CASE WHEN t."window_started_at" < now() - make_interval(secs => $3) THEN 1 ELSE t."failures" + 1 END,
           "window_started_at" = CASE WHEN t."window_started_at" < now() - make_interval(secs => $3) THEN now() ELSE t."window_started_at" END,
           "locked_until" = CASE
             WHEN (CASE WHEN t."window_started_at" < now() - make_interval(secs => $3) THEN 1 ELSE t."failures" + 1 END) >= $2
             THEN now() + make_interval(secs => $3) ELSE t."locked_until" END`,
        [key, limit, window],
      );
    }
  }

  /** A successful login clears the user's count (not the address's: one good password must not unlock guessing). */
  async recordSuccess(userName: string, clientIp: string): Promise<void> {
    await this.db.query(`DELETE FROM "identity"."login_throttle" WHERE "key" = $1`, [LoginThrottle.keysFor(userName, clientIp).user]);
  }
}
