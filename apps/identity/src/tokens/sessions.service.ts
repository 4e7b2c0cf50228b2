import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { CubeError, TokenPair } from '@cube/contracts';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { IdentityEnvironment } from '../identity-environment';
import { UsersRepository } from '../users/users.repository';
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
    private readonly db: DataSource,
    private readonly keys: SigningKeysService,
    private readonly users: UsersRepository,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: IdentityEnvironment,
  ) {}

  async start(user: { name: string; groups: string[] }): Promise<TokenPair> {
    return this.issue(user, randomUUID());
  }

  async refresh(refreshToken: string): Promise<TokenPair> {
    const hash = hashToken(refreshToken);
    const spent = await this.db.transaction('READ COMMITTED', async (tx) => {
      // Marking it used in the same statement that reads it: two concurrent refreshes cannot both win.
      const rows = (await tx.query(
        `UPDATE "identity"."refresh_tokens" SET "used_at" = now()
         WHERE "token_hash" = $1 AND "used_at" IS NULL AND "revoked_at" IS NULL AND "expires_at" > now()
         RETURNING "family_id", "user_name"`,
        [hash],
      )) as [{ family_id: string; user_name: string }[], number];
      return rows[0][0] ?? null;
    });
    if (!spent) {
      await this.revokeFamilyOfReused(hash);
      throw INVALID_REFRESH();
    }
    const user = await this.users.find(spent.user_name);
    if (!user || user.state !== 'active') {
      await this.revokeFamily(spent.family_id);
      throw INVALID_REFRESH();
    }
    return this.issue(user, spent.family_id);
  }

  async logout(refreshToken: string): Promise<void> {
    const rows = (await this.db.query(`SELECT "family_id" FROM "identity"."refresh_tokens" WHERE "token_hash" = $1`, [
      hashToken(refreshToken),
    ])) as { family_id: string }[];
    if (rows[0]) await this.revokeFamily(rows[0].family_id);
  }

  async revokeAllOf(userName: string, manager: EntityManager = this.db.manager): Promise<void> {
    await manager.query(`UPDATE "identity"."refresh_tokens" SET "revoked_at" = now() WHERE "user_name" = $1 AND "revoked_at" IS NULL`, [userName]);
  }

  private async revokeFamilyOfReused(hash: string): Promise<void> {
    const rows = (await this.db.query(
      `SELECT "family_id", "user_name" FROM "identity"."refresh_tokens" WHERE "token_hash" = $1 AND "used_at" IS NOT NULL`,
      [hash],
    )) as { family_id: string; user_name: string }[];
    const reused = rows[0];
    if (reused) {
      this.logger.warn({ user: reused.user_name, family: reused.family_id }, 'refresh token reused: revoking its family');
      await this.revokeFamily(reused.family_id);
    }
  }

  private async revokeFamily(familyId: string): Promise<void> {
    await this.db.query(`UPDATE "identity"."refresh_tokens" SET "revoked_at" = now() WHERE "family_id" = $1 AND "revoked_at" IS NULL`, [familyId]);
  }

  private async issue(user: { name: string; groups: string[] }, familyId: string): Promise<TokenPair> {
    const access = await this.keys.signAccessToken(user);
    const refreshToken = newOpaqueSecret();
    await this.db.query(
      `INSERT INTO "identity"."refresh_tokens" ("id", "family_id", "user_name", "token_hash", "expires_at")
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [randomUUID(), familyId, user.name, hashToken(refreshToken), this.env.CUBE_REFRESH_TOKEN_TTL_SECONDS],
    );
    return { accessToken: access.token, refreshToken, expiresIn: access.expiresIn, tokenType: 'Bearer' };
  }
}
