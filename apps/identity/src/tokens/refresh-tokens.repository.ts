import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, IsNull, Not, Repository } from 'typeorm';
import { RefreshTokenEntity } from './refresh-token.entity';

/** The session a spent refresh token belonged to. */
export interface SpentRefreshToken {
  familyId: string;
  userName: string;
}

/** The `identity.refresh_tokens` table: refresh tokens by their SHA-256, grouped in families (one per login). */
@Injectable()
export class RefreshTokensRepository {
  constructor(private readonly db: DataSource) {}

  private tokens(manager: EntityManager = this.db.manager): Repository<RefreshTokenEntity> {
    return manager.getRepository(RefreshTokenEntity);
  }

  /** Stores a new token of the family, expiring `ttlSeconds` from now by the database's clock. */
  async insert(token: { familyId: string; userName: string; tokenHash: string }, ttlSeconds: number): Promise<void> {
    await this.tokens()
      .createQueryBuilder()
      .insert()
      .values({ id: randomUUID(), ...token, expiresAt: () => 'now() + make_interval(secs => :ttlSeconds)' })
      .setParameter('ttlSeconds', ttlSeconds)
      .execute();
  }

  /**
   * Marks a live (unused, unrevoked, unexpired) token used and returns its family, or null. Reading and
   * marking in one UPDATE: of two concurrent uses, exactly one wins.
   */
  async spend(tokenHash: string): Promise<SpentRefreshToken | null> {
    const result = await this.tokens()
      .createQueryBuilder()
      .update()
      .set({ usedAt: () => 'now()' })
      .where('token_hash = :tokenHash AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()', { tokenHash })
      .returning(['familyId', 'userName'])
      .execute();
    const row = (result.raw as { family_id: string; user_name: string }[])[0];
    return row ? { familyId: row.family_id, userName: row.user_name } : null;
  }

  /** The family of a token, whatever its state. */
  async familyOf(tokenHash: string): Promise<string | null> {
    return (await this.tokens().findOne({ select: { familyId: true }, where: { tokenHash } }))?.familyId ?? null;
  }

  /** The family and user of a token that was already spent (a reuse), or null. */
  async spentOwner(tokenHash: string): Promise<SpentRefreshToken | null> {
    const row = await this.tokens().findOne({ select: { familyId: true, userName: true }, where: { tokenHash, usedAt: Not(IsNull()) } });
    return row ? { familyId: row.familyId, userName: row.userName } : null;
  }

  async revokeFamily(familyId: string): Promise<void> {
    await this.tokens().update({ familyId, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
  }

  async revokeAllOf(userName: string, manager: EntityManager = this.db.manager): Promise<void> {
    await this.tokens(manager).update({ userName, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
  }
}
