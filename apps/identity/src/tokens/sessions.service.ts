import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { CubeError, TokenPair } from '@cube/contracts';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { IdentityEnvironment } from '../identity-environment';
import { UsersRepository } from '../users/users.repository';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SigningKeysService } from './signing-keys.service';
import { hashToken, newOpaqueSecret } from './token-hash';

const INVALID_REFRESH = () => new CubeError('UNAUTHENTICATED', 'invalid refresh token', { reason: 'invalid_refresh_token' });

/**
 * Login sessions: an access token plus an opaque refresh token. Refresh tokens are single use;
 * each use issues the next one of the same family, and presenting a spent one revokes the family
 * (OAuth 2.0 Security BCP, refresh token rotation with reuse detection).
 */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);

  constructor(
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly keys: SigningKeysService,
    private readonly users: UsersRepository,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: IdentityEnvironment,
  ) {}

  async start(user: { name: string; groups: string[] }): Promise<TokenPair> {
    return this.issue(user, randomUUID());
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const hash = hashToken(refreshToken);
    const spent = await this.refreshTokens.spend(hash);
    if (!spent) {
      await this.revokeFamilyOfReused(hash);
      throw INVALID_REFRESH();
    }
    const user = await this.users.find(spent.userName);
    if (!user || user.state !== 'active') {
      await this.refreshTokens.revokeFamily(spent.familyId);
      throw INVALID_REFRESH();
    }
    return this.issue(user, spent.familyId);
  }

  async logout(refreshToken: string): Promise<void> {
    const familyId = await this.refreshTokens.familyOf(hashToken(refreshToken));
    if (familyId) await this.refreshTokens.revokeFamily(familyId);
  }

  async revokeAllOf(userName: string, manager?: EntityManager): Promise<void> {
    await this.refreshTokens.revokeAllOf(userName, manager);
  }

  private async revokeFamilyOfReused(hash: string): Promise<void> {
    const reused = await this.refreshTokens.spentOwner(hash);
    if (reused) {
      this.logger.warn({ user: reused.userName, family: reused.familyId }, 'refresh token reused: revoking its family');
      await this.refreshTokens.revokeFamily(reused.familyId);
    }
  }

  private async issue(user: { name: string; groups: string[] }, familyId: string): Promise<TokenPair> {
    const access = await this.keys.signAccessToken(user);
    const refreshToken = newOpaqueSecret();
    await this.refreshTokens.insert(
      { familyId, userName: user.name, tokenHash: hashToken(refreshToken) },
      this.env.CUBE_REFRESH_TOKEN_TTL_SECONDS,
    );
    return { accessToken: access.token, refreshToken, expiresIn: access.expiresIn, tokenType: 'Bearer' };
  }
}
