import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, CubeError, type AccessTokenClaims } from '@cube/contracts';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { JwksKeySet } from './jwks-key-set';

/**
 * Why a token was refused, for logs and metrics (`details.reason`). The message stays generic so a
 * caller probing with forged tokens learns nothing from it.
 */
export type TokenRefusalReason =
  | 'malformed'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claim'
  | 'invalid_claim';

export interface AccessTokenVerifierOptions {
  keys: JwksKeySet;
  /** Seconds of clock skew allowed between identity and the verifier. */
  clockToleranceSec?: number;
  now?: () => number;
}

const INVALID_TOKEN = 'invalid access token';

export function tokenRefused(reason: TokenRefusalReason): CubeError {
  return new CubeError('UNAUTHENTICATED', INVALID_TOKEN, { reason });
}

/** Verifies Cube access tokens offline: EdDSA only, Cube's issuer and audience, every claim present. */
export class AccessTokenVerifier {
  private readonly keys: JwksKeySet;
  private readonly clockToleranceSec: number;
  private readonly now: () => number;

  constructor(options: AccessTokenVerifierOptions) {
    this.keys = options.keys;
    this.clockToleranceSec = options.clockToleranceSec ?? 5;
    this.now = options.now ?? Date.now;
  }

  /** The token's claims, or `UNAUTHENTICATED` with `details.reason`. */
  async verify(token: string): Promise<AccessTokenClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header, input) => this.keys.keyFor(header, input), {
        // An allow-list of one: refuses `none`, HS256 keyed with our public key, and any other
        // algorithm-confusion attempt before a key is even looked up.
        algorithms: ['EdDSA'],
        issuer: ACCESS_TOKEN_ISSUER,
        audience: ACCESS_TOKEN_AUDIENCE,
        requiredClaims: ['sub', 'jti', 'iat', 'exp', 'iss', 'aud'],
        clockTolerance: this.clockToleranceSec,
        currentDate: new Date(this.now()),
      }));
    } catch (error) {
      throw tokenRefused(reasonOf(error));
    }
    return claimsOf(payload);
  }
}

function reasonOf(error: unknown): TokenRefusalReason {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return 'missing_claim';
    if (error.claim === 'iss') return 'wrong_issuer';
    if (error.claim === 'aud') return 'wrong_audience';
    if (error.claim === 'nbf') return 'not_yet_valid';
    return 'invalid_claim';
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm_not_allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return 'unknown_key';
  }
  return 'malformed';
}

/** jose checked presence and the registered claims; the Cube-specific ones are checked here. */
function claimsOf(payload: JWTPayload): AccessTokenClaims {
  const { sub, jti, iat, exp, iss, aud } = payload;
  const name = payload['name'];
  const groups = payload['groups'];
  if (name === undefined || groups === undefined) throw tokenRefused('missing_claim');
  if (
    typeof sub !== 'string' ||
    sub === '' ||
    typeof name !== 'string' ||
    !Array.isArray(groups) ||
    !groups.every((group): group is string => typeof group === 'string') ||
    typeof jti !== 'string' ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    typeof iss !== 'string' ||
    aud === undefined
  ) {
    throw tokenRefused('invalid_claim');
  }
  return { sub, name, groups, jti, iat, exp, iss, aud };
}
