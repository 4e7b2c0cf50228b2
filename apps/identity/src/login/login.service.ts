import { Injectable } from '@nestjs/common';
import { CubeError, LoginRequest, TokenPair } from '@cube/contracts';
import { PasswordHasher } from '../users/password-hasher';
import { UsersRepository } from '../users/users.repository';
import { SessionsService } from '../tokens/sessions.service';
import { LoginThrottle } from './login-throttle';

/** The one answer for an unknown user, a wrong password, a disabled or a non-local account. */
const INVALID_CREDENTIALS = () => new CubeError('UNAUTHENTICATED', 'invalid user name or password', { reason: 'invalid_credentials' });

@Injectable()
export class LoginService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly sessions: SessionsService,
  ) {}

  async login(request: LoginRequest): Promise<TokenPair> {
    if ((request.provider ?? 'local') !== 'local') {
      throw new CubeError('UNPROCESSABLE', `login provider "${request.provider}" is not configured`, { provider: request.provider });
    }
    await this.throttle.assertNotLocked(request.username, request.clientIp);
    const user = await this.users.find(request.username);
    const usable = user && user.source === 'local' && user.state === 'active' ? user : null;
    // Verify even without a usable user, so timing does not tell which names exist.
    const matches = await this.hasher.verify(usable?.passwordHash ?? null, request.password);
    if (!usable || !matches) {
      await this.throttle.recordFailure(request.username, request.clientIp);
      throw INVALID_CREDENTIALS();
    }
    await this.throttle.recordSuccess(request.username, request.clientIp);
    await this.users.recordLogin(usable.name);
    return this.sessions.start(usable);
  }
}
