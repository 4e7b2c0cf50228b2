import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import { Keyset } from '@cube/persistence';
import { ApiTokenEntity } from './api-token.entity';

/** A listed token and its keyset position (`created_at` as PostgreSQL's text, exact to the microsecond). */
export interface ListedApiToken {
  token: ApiTokenEntity;
  key: [createdAt: string, id: string];
}

/** A usable token (not revoked, not expired, its user active) as Wardens verify it offline. */
export interface UsableToken {
  tokenHash: string;
  user: string;
  groups: string[];
  expiresAt: Date | null;
}

/** Tokens page oldest first by (created_at as PostgreSQL's text, exact to the microsecond, id). */
export const BY_CREATION = new Keyset<[createdAt: string, id: string]>(['timestamp', 'uuid']);

/**
 * The `identity.api_tokens` table. Two reads also look at `identity.users` (whether the token's
 * user is active): in the same statement, so a token is never accepted for a user disabled meanwhile.
 */
@Injectable()
export class ApiTokensRepository {
  constructor(private readonly db: DataSource) {}

  private get tokens(): Repository<ApiTokenEntity> {
    return this.db.getRepository(ApiTokenEntity);
  }

  /** Inserts, or returns false when the user already has a token of that name. */
  async insert(token: { id: string; userName: string; name: string; tokenHash: string; expiresAt: Date | null }): Promise<boolean> {
    const result = await this.tokens.createQueryBuilder().insert().values(token).orIgnore().returning(['id']).execute();
    return (result.raw as unknown[]).length > 0;
  }

  /** The user's live tokens after `after`, oldest first, with each row's keyset key. */
  async listLive(userName: string, after: [string, string] | null, limit: number): Promise<ListedApiToken[]> {
    const query = this.tokens.createQueryBuilder('t').where('t.userName = :userName AND t.revokedAt IS NULL', { userName });
    const rows = await BY_CREATION.read(query, ['t.createdAt', 't.id'], after, limit);
    return rows.map(({ row, key }) => ({ token: row, key }));
  }

  /** Revokes one of the user's live tokens; false when there is none with that id. */
  async revoke(userName: string, id: string, manager: EntityManager = this.db.manager): Promise<boolean> {
    const result = await manager.getRepository(ApiTokenEntity).update({ id, userName, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    return (result.affected ?? 0) > 0;
  }

  /** Marks a usable token used and returns its user, or null when it is unknown, revoked, expired or its user is not active. */
  async use(tokenHash: string): Promise<{ name: string; groups: string[] } | null> {
    // Raw SQL: one UPDATE … FROM users checks the token and its user's state and records the use atomically.
    const rows = (await this.db.query(
      `UPDATE "identity"."api_tokens" t SET "last_used_at" = now()
       FROM "identity"."users" u
       WHERE t."token_hash" = $1 AND t."revoked_at" IS NULL AND (t."expires_at" IS NULL OR t."expires_at" > now())
         AND u."name" = t."user_name" AND u."state" = 'active'
       RETURNING u."name", u."groups"`,
      [tokenHash],
    )) as [{ name: string; groups: string[] }[], number];
    return rows[0][0] ?? null;
  }

  /** The usable tokens of `user`, or of everyone. */
  async usable(user: string | null): Promise<UsableToken[]> {
    // Raw SQL: a join with identity.users (its state), which this table's repository only reads.
    const rows = (await this.db.query(
      `SELECT t."token_hash", t."user_name", u."groups", t."expires_at" FROM "identity"."api_tokens" t
       JOIN "identity"."users" u ON u."name" = t."user_name"
       WHERE t."revoked_at" IS NULL AND (t."expires_at" IS NULL OR t."expires_at" > now()) AND u."state" = 'active'
         AND ($1::text IS NULL OR t."user_name" = $1)`,
      [user],
    )) as { token_hash: string; user_name: string; groups: string[]; expires_at: Date | null }[];
    return rows.map((row) => ({ tokenHash: row.token_hash, user: row.user_name, groups: row.groups, expiresAt: row.expires_at }));
  }
}
