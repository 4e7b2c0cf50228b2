import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { hashToken } from '../tokens/token-hash';

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

  async add(state: string, login: Omit<PendingOidcLogin, 'expired'>, ttlSeconds: number): Promise<void> {
    await this.db.query(`DELETE FROM "identity"."oidc_logins" WHERE "expires_at" < now()`);
    await this.db.query(
      `INSERT INTO "identity"."oidc_logins" ("state_hash", "nonce", "code_verifier", "redirect", "expires_at")
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [hashToken(state), login.nonce, login.codeVerifier, login.redirect, ttlSeconds],
    );
  }

  /** Removes and returns the login of this state: a state works once. */
  async take(state: string): Promise<PendingOidcLogin | null> {
    const rows = (await this.db.query(
      `DELETE FROM "identity"."oidc_logins" WHERE "state_hash" = $1
       RETURNING "nonce", "code_verifier", "redirect", "expires_at" < now() AS "expired"`,
      [hashToken(state)],
    )) as [{ nonce: string; code_verifier: string; redirect: string; expired: boolean }[], number];
    const row = rows[0][0];
    return row ? { nonce: row.nonce, codeVerifier: row.code_verifier, redirect: row.redirect, expired: row.expired } : null;
  }
}
