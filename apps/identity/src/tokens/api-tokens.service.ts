import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { API_TOKEN_PREFIX, ApiTokenView, AuthenticatedPrincipal, CreatedApiToken, CubeError, Page } from '@cube/contracts';
import { ApiTokensRepository, BY_CREATION, ListedApiToken } from './api-tokens.repository';
import { hashToken, newOpaqueSecret } from './token-hash';

const view = ({ token }: ListedApiToken): ApiTokenView => ({
  id: token.id,
  name: token.name,
  createdAt: token.createdAt.toISOString(),
  expiresAt: token.expiresAt?.toISOString() ?? null,
  lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
});

/** API tokens for kubectl and automation: shown once, stored as a hash, revocable. */
@Injectable()
export class ApiTokensService {
  constructor(private readonly tokens: ApiTokensRepository) {}

  async create(userName: string, name: string, expiresAt: Date | null): Promise<CreatedApiToken> {
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new CubeError('UNPROCESSABLE', 'expiresAt must be in the future', {
        fields: [{ field: 'expiresAt', problems: ['must be in the future'] }],
      });
    }
    const token = newOpaqueSecret(API_TOKEN_PREFIX);
    const id = randomUUID();
    const inserted = await this.tokens.insert({ id, userName, name, tokenHash: hashToken(token), expiresAt });
    if (!inserted) throw new CubeError('CONFLICT', `an API token named "${name}" already exists`, { name });
    return { id, name, token, expiresAt: expiresAt?.toISOString() ?? null };
  }

  /** The user's live tokens, oldest first, one keyset page on (created_at, id) at a time. */
  async list(userName: string, page: { limit: number; cursor?: string }): Promise<Page<ApiTokenView>> {
    const after = BY_CREATION.decode(page.cursor);
    const rows = await this.tokens.listLive(userName, after, page.limit + 1);
    return BY_CREATION.page(rows, page.limit, (row) => row.key, view);
  }

  /** Revokes one of the user's tokens; NOT_FOUND for someone else's (their existence is not disclosed). */
  async revoke(userName: string, id: string, manager?: EntityManager): Promise<void> {
    if (!(await this.tokens.revoke(userName, id, manager))) throw new CubeError('NOT_FOUND', `API token "${id}" not found`, { id });
  }

  /** The principal behind a presented token, or UNAUTHENTICATED (revoked, expired, unknown, or user disabled). */
  async verify(token: string): Promise<AuthenticatedPrincipal> {
    if (!token.startsWith(API_TOKEN_PREFIX)) throw new CubeError('UNAUTHENTICATED', 'invalid credentials', { reason: 'malformed' });
    const principal = await this.tokens.use(hashToken(token));
    if (!principal) throw new CubeError('UNAUTHENTICATED', 'invalid credentials', { reason: 'invalid_token' });
    return { name: principal.name, groups: principal.groups };
  }
}
