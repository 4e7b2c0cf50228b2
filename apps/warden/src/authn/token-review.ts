import { AccessTokenVerifier } from '@cube/auth';

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

const NOTHING_REVOKED: RevokedTokens = { has: () => false };

/**
 * Answers a TokenReview the way kube-apiserver's webhook token authenticator expects
 * (k8s.io/apiserver/plugin/pkg/authenticator/token/webhook): `authenticated` with the user, or
 * `authenticated: false` with a generic error; never an HTTP error for a bad token.
 */
export async function reviewToken(review: TokenReview, verifier: AccessTokenVerifier, revoked: RevokedTokens = NOTHING_REVOKED): Promise<TokenReview> {
  const answer = (status: NonNullable<TokenReview['status']>): TokenReview => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', status });
  const token = review.spec?.token;
  if (!token) return answer({ authenticated: false, error: 'no token' });
  try {
    const claims = await verifier.verify(token);
    if (revoked.has(claims.jti)) return answer({ authenticated: false, error: 'token revoked' });
    return answer({ authenticated: true, user: { username: claims.name || claims.sub, uid: claims.sub, groups: [...claims.groups] } });
  } catch {
    return answer({ authenticated: false, error: 'invalid token' });
  }
}
