import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { hashToken } from '../tokens/token-hash';
import { OidcLoginEntity } from './oidc-login.entity';

/** A login begun at the provider, waiting for its callback. */
export interface PendingOidcLogin {
  nonce: string;
  codeVerifier: string;
  redirect: string;
  expired: boolean;
}

/**
 * The `identity.oidc_logins` table: state (stored hashed), nonce, PKCE verifier and SPA redirect of
 * logins in flight. In PostgreSQL rather than a cookie so that any gateway and identity replica
 * can finish a login, and a state is spent exactly once (a replayed callback finds nothing).
 */
@Injectable()
export class OidcLoginsRepository {
  constructor(private readonly db: DataSource) {}

  private get logins(): Repository<OidcLoginEntity> {
    return this.db.getRepository(OidcLoginEntity);
  }

  async add(state: string, login: Omit<PendingOidcLogin, 'expired'>, ttlSeconds: number): Promise<void> {
    await this.logins.createQueryBuilder().delete().where('expires_at < now()').execute();
    await this.logins
      .createQueryBuilder()
      .insert()
      .values({ stateHash: hashToken(state), ...login, expiresAt: () => 'now() + make_interval(secs => :ttlSeconds)' })
      .setParameter('ttlSeconds', ttlSeconds)
      .execute();
  }

  /** Removes and returns the login of this state: a state works once. */
  async take(state: string): Promise<PendingOidcLogin | null> {
    const result = await this.logins
      .createQueryBuilder()
      .delete()
      .where({ stateHash: hashToken(state) })
      .returning('"nonce", "code_verifier", "redirect", "expires_at" < now() AS "expired"')
      .execute();
    const row = (result.raw as { nonce: string; code_verifier: string; redirect: string; expired: boolean }[])[0];
    return row ? { nonce: row.nonce, codeVerifier: row.code_verifier, redirect: row.redirect, expired: row.expired } : null;
  }
}
