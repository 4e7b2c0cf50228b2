import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Keyset } from '@cube/persistence';

export interface ApiTokenRow {
  id: string;
  name: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
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

  /** Inserts, or returns false when the user already has a token of that name. */
  async insert(token: { id: string; userName: string; name: string; tokenHash: string; expiresAt: Date | null }): Promise<boolean> {
    const rows = (await this.db.query(
      `INSERT INTO "identity"."api_tokens" ("id", "user_name", "name", "token_hash", "expires_at")
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("user_name", "name") DO NOTHING RETURNING "id"`,
      [token.id, token.userName, token.name, token.tokenHash, token.expiresAt],
    )) as { id: string }[];
    return rows.length > 0;
  }

  /** The user's live tokens after `after`, oldest first, with each row's keyset key. */
  async listLive(userName: string, after: [string, string] | null, limit: number): Promise<(ApiTokenRow & { key_created_at: string })[]> {
    return (await this.db.query(
      `SELECT "id", "name", "created_at", "created_at"::text AS "key_created_at", "expires_at", "last_used_at" FROM "identity"."api_tokens"
       WHERE "user_name" = $1 AND "revoked_at" IS NULL
         AND ($2::timestamptz IS NULL OR ("created_at", "id") > ($2::timestamptz, $3::uuid))
       ORDER BY "created_at", "id" LIMIT $4`,
      [userName, after?.[0] ?? null, after?.[1] ?? null, limit],
    )) as (ApiTokenRow & { key_created_at: string })[];
  }

  /** Revokes one of the user's live tokens; false when there is none with that id. */
  async revoke(userName: string, id: string, manager: EntityManager = this.db.manager): Promise<boolean> {
    const result = (await manager.query(
      `UPDATE "identity"."api_tokens" SET "revoked_at" = now() WHERE "id" = $1 AND "user_name" = $2 AND "revoked_at" IS NULL`,
      [id, userName],
    )) as [unknown[], number];
    return result[1] > 0;
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
