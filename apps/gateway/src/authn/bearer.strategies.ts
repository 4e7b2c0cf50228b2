import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-http-bearer';
import { AuthenticatedPrincipal } from '@cube/contracts';
import { requestIdOf } from '../envelope/envelope.factory';
import { CredentialVerifier } from './credential-verifier';

export const API_TOKEN_STRATEGY = 'cube-api-token';
export const ACCESS_TOKEN_STRATEGY = 'cube-jwt';

/**
 * Each strategy claims only its own kind of token and passes (fails without error) on the other,
 * so passport tries the next one. A credential of its kind that does not verify is an error:
 * the guard answers 401 with the reason, not the next strategy's silence.
 */
@Injectable()
export class ApiTokenStrategy extends PassportStrategy(Strategy, API_TOKEN_STRATEGY) {
  constructor(private readonly verifier: CredentialVerifier) {
    super({ passReqToCallback: true });
  }

  async validate(req: Request, token: string): Promise<AuthenticatedPrincipal | false> {
    if (!CredentialVerifier.isApiToken(token)) return false;
    return this.verifier.verifyApiToken(token, requestIdOf(req));
  }
}

@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, ACCESS_TOKEN_STRATEGY) {
  constructor(private readonly verifier: CredentialVerifier) {
    super({ passReqToCallback: true });
  }

  async validate(req: Request, token: string): Promise<AuthenticatedPrincipal | false> {
    if (CredentialVerifier.isApiToken(token)) return false;
    return this.verifier.verifyAccessToken(token, requestIdOf(req));
  }
}
