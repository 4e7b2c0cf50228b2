import { createHash } from 'node:crypto';
import { AccessTokenVerifier } from '@cube/auth';
import { API_TOKEN_PREFIX, ApiTokenVerifierEntry } from '@cube/contracts';

/** The parts of an `authentication.k8s.io/v1` TokenReview the apiserver sends and reads back. */
export interface TokenReview {
  apiVersion: 'authentication.k8s.io/v1';
  kind: 'TokenReview';
  spec?: { token?: string; audiences?: string[] };
  status?: { authenticated: boolean; user?: { username: string; uid?: string; groups: string[] }; error?: string };
}

/** Token ids (JWT `jti`) revoked before they expire; kept by whoever listens to revocation events. */
export interface RevokedTokens {
  has(jti: string): boolean;
}

/** What Warden checks a presented token against, all held locally (issue #7: verified offline). */
export interface TokenAuthority {
  /** Cube access tokens (JWT): signature against the cached JWKS, issuer, audience, expiry. */
  verifier: AccessTokenVerifier;
  revoked?: RevokedTokens;
  /** The verifier identity published for an API token, by the token's SHA-256 (hex). */
  apiToken?(hash: string): ApiTokenVerifierEntry | undefined;
  /** Users disabled or deleted since their token was issued. */
  isDisabled?(user: string): boolean;
  now?(): number;
}

/** The key an API token's verifier is published under: SHA-256 of the whole token, as identity stores it. */
export const apiTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Answers a TokenReview the way kube-apiserver's webhook token authenticator expects
 * (k8s.io/apiserver/plugin/pkg/authenticator/token/webhook): `authenticated` with the user, or
 * `authenticated: false` with a generic error; never an HTTP error for a bad token.
 */
export async function reviewToken(review: TokenReview, authority: TokenAuthority): Promise<TokenReview> {
  const answer = (status: NonNullable<TokenReview['status']>): TokenReview => ({
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenReview',
    status,
  });
  const refused = answer({ authenticated: false, error: 'invalid token' });
  const token = review.spec?.token;
  if (!token) return answer({ authenticated: false, error: 'no token' });
  const disabled = (user: string) => authority.isDisabled?.(user) ?? false;
  if (token.startsWith(API_TOKEN_PREFIX)) {
    const entry = authority.apiToken?.(apiTokenHash(token));
    const now = authority.now?.() ?? Date.now();
    if (!entry || (entry.expiresAt !== null && Date.parse(entry.expiresAt) <= now) || disabled(entry.user)) return refused;
    return answer({ authenticated: true, user: { username: entry.user, groups: [...entry.groups] } });
  }
  try {
    const claims = await authority.verifier.verify(token);
    if (authority.revoked?.has(claims.jti)) return answer({ authenticated: false, error: 'token revoked' });
    if (disabled(claims.sub) || disabled(claims.name)) return refused;
    return answer({ authenticated: true, user: { username: claims.name || claims.sub, uid: claims.sub, groups: [...claims.groups] } });
  } catch {
    return refused;
  }
}
