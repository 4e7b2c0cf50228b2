import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AccessTokenVerifier } from '@cube/auth';
import { AccessTokenClaims, API_TOKEN_PREFIX, AuthenticatedPrincipal, IdentitySubjects } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { ExpiringCache } from './expiring-cache';

/**
 * How long the gateway trusts an earlier answer about a credential or a user's state. Revoking an
 * API token or disabling a user takes effect within this bound (the 10 s, with margin).
 */
export const CREDENTIAL_CACHE_TTL_MS = 5_000;

const GATEWAY = { kind: 'system', name: 'gateway' } as const;

/** Turns a bearer token into the principal behind it, or UNAUTHENTICATED. */
@Injectable()
export class CredentialVerifier {
  private readonly apiTokens = new ExpiringCache<AuthenticatedPrincipal>(CREDENTIAL_CACHE_TTL_MS);
  private readonly activeUsers = new ExpiringCache<AuthenticatedPrincipal>(CREDENTIAL_CACHE_TTL_MS);
  /**
   * Claims of access tokens whose signature was checked, by the token's hash: an EdDSA verification
   * per request is most of what a proxied read costs. Kept until the token expires or the TTL ends,
   * whichever is first, and dropped with the rest when a user changes.
   */
  private readonly verifiedAccessTokens = new ExpiringCache<AccessTokenClaims>(CREDENTIAL_CACHE_TTL_MS);

  constructor(
    private readonly bus: ServiceRequester,
    private readonly accessTokens: AccessTokenVerifier,
  ) {}

  static isApiToken(token: string): boolean {
    return token.startsWith(API_TOKEN_PREFIX);
  }

  async verifyApiToken(token: string, requestId: string): Promise<AuthenticatedPrincipal> {
    const key = tokenKey(token);
    const cached = this.apiTokens.get(key);
    if (cached) return cached;
    const principal = await this.bus.request(IdentitySubjects.verifyApiToken, {
      actor: GATEWAY,
      requestId,
      payload: { token },
    });
    this.apiTokens.set(key, principal);
    return principal;
  }

  /** Offline signature check, then the user's current state (cached briefly), so a disabled user is refused. */
  async verifyAccessToken(token: string, requestId: string): Promise<AuthenticatedPrincipal> {
    const key = tokenKey(token);
    let claims = this.verifiedAccessTokens.get(key);
    if (!claims) {
      claims = await this.accessTokens.verify(token);
      this.verifiedAccessTokens.set(key, claims, claims.exp * 1000 - Date.now());
    }
    const cached = this.activeUsers.get(claims.sub);
    if (cached) return { name: claims.sub, groups: claims.groups };
    const principal = await this.bus.request(IdentitySubjects.principal, {
      actor: GATEWAY,
      requestId,
      payload: { name: claims.sub },
    });
    this.activeUsers.set(claims.sub, principal);
    return { name: claims.sub, groups: claims.groups };
  }

  /**
   * The principal behind a token when every check of it is still cached (signature or API token,
   * and the user's state), at once; otherwise undefined, and verifyApiToken/verifyAccessToken decide.
   * The proxy's hot path: no promise per request for a credential it has just seen.
   */
  cachedPrincipal(token: string): AuthenticatedPrincipal | undefined {
    const key = tokenKey(token);
    if (CredentialVerifier.isApiToken(token)) return this.apiTokens.get(key);
    const claims = this.verifiedAccessTokens.get(key);
    if (!claims || !this.activeUsers.get(claims.sub)) return undefined;
    return { name: claims.sub, groups: claims.groups };
  }

  forgetApiTokens(): void {
    this.apiTokens.clear();
    this.verifiedAccessTokens.clear();
  }

  /** A user changed (maybe disabled) or was deleted: their tokens must be checked again. */
  forgetAll(): void {
    this.apiTokens.clear();
    this.activeUsers.clear();
    this.verifiedAccessTokens.clear();
  }
}

/** Caches hold a token's hash, never the token. */
function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
