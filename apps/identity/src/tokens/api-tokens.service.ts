import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { API_TOKEN_PREFIX, ApiTokenView, AuthenticatedPrincipal, CreatedApiToken, CubeError, Page } from '@cube/contracts';
import { Keyset } from '@cube/persistence';
import { hashToken, newOpaqueSecret } from './token-hash';

interface ApiTokenRow {
  id: string;
  name: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

const view = (row: ApiTokenRow): ApiTokenView => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at?.toISOString() ?? null,
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
});

/** Tokens page oldest first by (created_at as PostgreSQL's text, exact to the microsecond, id). */
const BY_CREATION = new Keyset<[createdAt: string, id: string]>(['timestamp', 'uuid']);

/** API tokens for kubectl and automation: shown once, stored as a hash, revocable. */
@Injectable()
export class ApiTokensService {
  constructor(private readonly db: DataSource) {}

  async create(userName: string, name: string, expiresAt: Date | null): Promise<CreatedApiToken> {
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new CubeError('UNPROCESSABLE', 'expiresAt must be in the future', { fields: [{ field: 'expiresAt', problems: ['must be in the future'] }] });
    }
    const token = newOpaqueSecret(API_TOKEN_PREFIX);
    const id = randomUUID();
    const rows = (await this.db.query(
      `INSERT INTO "identity"."api_tokens" ("id", "user_name", "name", "token_hash", "expires_at")
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("user_name", "name") DO NOTHING RETURNING "id"`,
      [id, userName, name, hashToken(token), expiresAt],
    )) as { id: string }[];
    if (rows.length === 0) throw new CubeError('CONFLICT', `an API token named "${name}" already exists`, { name });
    return { id, name, token, expiresAt: expiresAt?.toISOString() ?? null };
  }

  /** The user's live tokens, oldest first, one keyset page on (created_at, id) at a time. */
  async list(userName: string, page: { limit: number; cursor?: string }): Promise<Page<ApiTokenView>> {
    const after = BY_CREATION.decode(page.cursor);
    const rows = (await this.db.query(
      `SELECT "id", "name", "created_at", "created_at"::text AS "key_created_at", "expires_at", "last_used_at" FROM "identity"."api_tokens"
       WHERE "user_name" = $1 AND "revoked_at" IS NULL
         AND ($2::timestamptz IS NULL OR ("created_at", "id") > ($2::timestamptz, $3::uuid))
       ORDER BY "created_at", "id" LIMIT $4`,
      [userName, after?.[0] ?? null, after?.[1] ?? null, page.limit + 1],
    )) as (ApiTokenRow & { key_created_at: string })[];
    return BY_CREATION.page(rows, page.limit, (row) => [row.key_created_at, row.id], view);
  }

  /** Revokes one of the user's tokens; NOT_FOUND for someone else's (their existence is not disclosed). */
  async revoke(userName: string, id: string, manager: EntityManager = this.db.manager): Promise<void> {
    const result = (await manager.query(
      `UPDATE "identity"."api_tokens" SET "revoked_at" = now() WHERE "id" = $1 AND "user_name" = $2 AND "revoked_at" IS NULL`,
      [id, userName],
    )) as [unknown[], number];
    if (result[1] === 0) throw new CubeError('NOT_FOUND', `API token "${id}" not found`, { id });
  }

  /** The principal behind a presented token, or UNAUTHENTICATED (revoked, expired, unknown, or user disabled). */
  async verify(token: string): Promise<AuthenticatedPrincipal> {
    if (!token.startsWith(API_TOKEN_PREFIX)) throw new CubeError('UNAUTHENTICATED', 'invalid credentials', { reason: 'malformed' });
    const rows = (await this.db.query(
      `UPDATE "identity"."api_tokens" t SET "last_used_at" = now()
       FROM "identity"."users" u
       WHERE t."token_hash" = $1 AND t."revoked_at" IS NULL AND (t."expires_at" IS NULL OR t."expires_at" > now())
         AND u."name" = t."user_name" AND u."state" = 'active'
       RETURNING u."name", u."groups"`,
      [hashToken(token)],
    )) as [{ name: string; groups: string[] }[], number];
    const principal = rows[0][0];
    if (!principal) throw new CubeError('UNAUTHENTICATED', 'invalid credentials', { reason: 'invalid_token' });
    return { name: principal.name, groups: principal.groups };
  }
}
