import { Injectable } from '@nestjs/common';
import { createLocalJWKSet, errors, JSONWebKeySet, jwtVerify } from 'jose';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, AccessTokenClaims, CubeError, IdentitySubjects, JsonWebKeySet } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { AccessTokenVerifierPort } from './access-token-verifier.port';

/** At most one JWKS refresh per this interval, so a flood of bogus `kid`s cannot hammer identity. */
const REFRESH_COOLDOWN_MS = 10_000;

/**
 * Verifies access tokens offline against identity's JWKS, fetched over NATS and kept in memory;
 * an unknown `kid` triggers one refresh (key rotation). Only EdDSA is accepted: `alg: none`,
 * HS256 with the public key as secret and other algorithms never reach a key.
 */
@Injectable()
export class JwksAccessTokenVerifier extends AccessTokenVerifierPort {
  private keySet: ReturnType<typeof createLocalJWKSet> | undefined;
  private lastRefresh = 0;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly bus: ServiceRequester) {
    super();
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    if (!this.keySet) await this.refresh(true);
    try {
      return await this.verifyWithCurrentKeys(token);
    } catch (error: unknown) {
      if (error instanceof errors.JWKSNoMatchingKey && (await this.refresh(false))) return this.verifyWithCurrentKeys(token);
      throw this.unauthenticated(error);
    }
  }

  private async verifyWithCurrentKeys(token: string): Promise<AccessTokenClaims> {
    if (!this.keySet) throw new CubeError('UNAVAILABLE', 'token signing keys are not available');
    const { payload } = await jwtVerify(token, this.keySet, {
      algorithms: ['EdDSA'],
      issuer: ACCESS_TOKEN_ISSUER,
      audience: ACCESS_TOKEN_AUDIENCE,
      clockTolerance: 5,
      requiredClaims: ['sub', 'jti', 'iat', 'exp'],
    });
    if (typeof payload['name'] !== 'string' || !Array.isArray(payload['groups'])) {
      throw new CubeError('UNAUTHENTICATED', 'invalid credentials', { reason: 'malformed' });
    }
    return payload as unknown as AccessTokenClaims;
  }

  /** Returns whether new keys were fetched. */
  private async refresh(force: boolean): Promise<boolean> {
    if (!force && Date.now() - this.lastRefresh < REFRESH_COOLDOWN_MS) return false;
    this.refreshing ??= (async () => {
      try {
        const jwks = await this.bus.request<JsonWebKeySet>('identity', IdentitySubjects.jwks, {
          actor: { kind: 'system', name: 'gateway' },
          requestId: 'jwks-refresh',
          payload: {},
        });
        this.keySet = createLocalJWKSet(jwks as unknown as JSONWebKeySet);
        this.lastRefresh = Date.now();
      } finally {
        this.refreshing = undefined;
      }
    })();
    await this.refreshing;
    return true;
  }

  private unauthenticated(error: unknown): CubeError {
    if (error instanceof CubeError) return error;
    const reason =
      error instanceof errors.JWTExpired
        ? 'expired'
        : error instanceof errors.JWSSignatureVerificationFailed
          ? 'bad_signature'
          : error instanceof errors.JWKSNoMatchingKey
            ? 'unknown_key'
            : error instanceof errors.JOSEAlgNotAllowed
              ? 'algorithm_not_allowed'
              : 'malformed';
    return new CubeError('UNAUTHENTICATED', 'invalid credentials', { reason });
  }
}
