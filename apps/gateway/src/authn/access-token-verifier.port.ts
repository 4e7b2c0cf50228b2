import { AccessTokenClaims } from '@cube/contracts';

/** Verifies a Cube access token offline (signature against the JWKS, issuer, audience, expiry). */
export abstract class AccessTokenVerifierPort {
  abstract verify(token: string): Promise<AccessTokenClaims>;
}
