import { Inject, Injectable } from '@nestjs/common';
import { CubeError } from '@cube/contracts';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { IdentityEnvironment } from '../identity-environment';
import { LoginThrottleRepository } from './login-throttle.repository';

/**
 * Slows down password guessing: failures are counted per user and per client address in
 * PostgreSQL (shared by every identity replica); past the limit the key is locked for a while
 * and every attempt, right or wrong, gets 429 with Retry-After.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    private readonly rows: LoginThrottleRepository,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: IdentityEnvironment,
  ) {}

  static keysFor(userName: string, clientIp: string): { user: string; ip: string } {
    return { user: `user:${userName.toLowerCase()}`, ip: `ip:${clientIp}` };
  }

  /** Throws RATE_LIMITED while either key is locked. */
  async assertNotLocked(userName: string, clientIp: string): Promise<void> {
    const keys = LoginThrottle.keysFor(userName, clientIp);
    const wait = await this.rows.lockedForSeconds([keys.user, keys.ip]);
    if (wait > 0) {
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
      await this.rows.recordFailure(key, limit, window);
    }
  }

  /** A successful login clears the user's count (not the address's: one good password must not unlock guessing). */
  async recordSuccess(userName: string, clientIp: string): Promise<void> {
    await this.rows.clear(LoginThrottle.keysFor(userName, clientIp).user);
  }
}
