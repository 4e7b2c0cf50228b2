import { Inject, Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { CubeError, OidcBeginReply, OidcBeginRequest, OidcCompleteReply, OidcCompleteRequest } from '@cube/contracts';
import { ExternalAccountsService } from '../external-login/external-accounts.service';
import { SessionsService } from '../tokens/sessions.service';
import { OidcLoginsRepository } from './oidc-logins.repository';
import { OIDC_SETTINGS, OidcSettings } from './oidc-settings';

type Claims = Record<string, unknown>;

const stringClaim = (claims: Claims, name: string): string | null => {
  const value = claims[name];
  return typeof value === 'string' && value !== '' ? value : null;
};

/** A groups claim is usually an array of strings; some providers send one string. */
export function groupsClaim(claims: Claims, name: string): string[] {
  const value = claims[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((group): group is string => typeof group === 'string') : [];
}

/** Provider error codes are echoed back, but only when they look like one (RFC 6749 §4.1.2.1). */
const safeErrorCode = (value: string | null): string => (value && /^[a-z_]{1,64}$/.test(value) ? value : 'unknown');

/**
 * OpenID Connect login, authorization-code flow with PKCE (S256), state and nonce (openid-client):
 * `begin` remembers the checks and names the provider URL; `complete` spends the state, exchanges
 * the code, validates the ID token, creates or updates the user and maps its groups.
 */
@Injectable()
export class OidcLoginService {
  private readonly logger = new Logger(OidcLoginService.name);
  private configuration: Promise<oidc.Configuration> | null = null;

  constructor(
    @Inject(OIDC_SETTINGS) private readonly settings: OidcSettings | null,
    private readonly logins: OidcLoginsRepository,
    private readonly accounts: ExternalAccountsService,
    private readonly sessions: SessionsService,
  ) {}

  async begin(request: OidcBeginRequest): Promise<OidcBeginReply> {
    const settings = this.settingsOrThrow();
    const redirect = settings.allowedRedirects.resolve(request.redirect);
    if (redirect === null) {
      throw new CubeError('BAD_REQUEST', 'the redirect target is not in CUBE_OIDC_ALLOWED_REDIRECTS', { reason: 'redirect_not_allowed' });
    }
    const configuration = await this.provider(settings);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    await this.logins.add(state, { nonce, codeVerifier, redirect }, settings.loginTtlSeconds);
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: settings.redirectUrl,
      scope: settings.scopes,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { authorizationUrl: url.href };
  }

  async complete(request: OidcCompleteRequest): Promise<OidcCompleteReply> {
    const settings = this.settingsOrThrow();
    const params = new URLSearchParams(request.query);
    const state = params.get('state');
    if (!state) throw new CubeError('BAD_REQUEST', 'the callback has no state', { reason: 'state_missing' });
    const login = await this.logins.take(state);
    if (!login) {
      throw new CubeError('BAD_REQUEST', 'unknown state: the login was tampered with, already used or never started here', {
        reason: 'state_unknown',
      });
    }
    if (login.expired) throw new CubeError('BAD_REQUEST', 'the login took too long; start again', { reason: 'state_expired' });
    if (params.has('error')) {
      throw new CubeError('UNAUTHENTICATED', 'the identity provider refused the login', {
        reason: 'provider_error',
        error: safeErrorCode(params.get('error')),
      });
    }
    const configuration = await this.provider(settings);
    const callbackUrl = new URL(settings.redirectUrl);
    callbackUrl.search = params.toString();
    const claims = await this.exchange(configuration, callbackUrl, state, login.nonce, login.codeVerifier);
    const username = stringClaim(claims, settings.claims.username);
    if (!username) {
      throw new CubeError('UNPROCESSABLE', `the identity provider sent no "${settings.claims.username}" claim`, {
        reason: 'username_claim_missing',
      });
    }
    const result = await this.accounts.signIn({
      source: 'oidc',
      profile: {
        name: ExternalAccountsService.cubeNameOf(username),
        displayName: stringClaim(claims, settings.claims.displayName) ?? username,
        email: stringClaim(claims, settings.claims.email),
        phone: stringClaim(claims, 'phone_number'),
        groups: groupsClaim(claims, settings.claims.groups),
      },
      mapping: settings.mapping,
    });
    if (result.kind === 'disabled') throw new CubeError('UNAUTHENTICATED', 'this account is disabled', { reason: 'user_disabled' });
    return { redirect: login.redirect, tokens: await this.sessions.start(result.user) };
  }

  private settingsOrThrow(): OidcSettings {
    if (!this.settings)
      throw new CubeError('NOT_FOUND', 'OIDC login is not configured on this Cube', {
        reason: 'provider_not_configured',
        provider: 'oidc',
      });
    return this.settings;
  }

  /** Discovery once, kept; a failed discovery is retried on the next login. */
  private provider(settings: OidcSettings): Promise<oidc.Configuration> {
    this.configuration ??= oidc
      .discovery(
        settings.issuer,
        settings.clientId,
        undefined,
        settings.clientSecret ? oidc.ClientSecretBasic(settings.clientSecret) : oidc.None(),
        {
          execute: settings.insecureLoopback ? [oidc.allowInsecureRequests] : [],
          timeout: settings.timeoutSeconds,
        },
      )
      .catch((error: unknown) => {
        this.configuration = null;
        this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'OIDC discovery failed');
        throw new CubeError('UNAVAILABLE', 'the identity provider is unavailable', { reason: 'oidc_provider_unavailable' });
      });
    return this.configuration;
  }

  /** Code for tokens; the ID token's signature, issuer, audience, expiry and nonce are checked here. */
  private async exchange(
    configuration: oidc.Configuration,
    callbackUrl: URL,
    state: string,
    nonce: string,
    codeVerifier: string,
  ): Promise<Claims> {
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: codeVerifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims() as Claims | undefined;
      if (!idClaims) throw new CubeError('UNAUTHENTICATED', 'the identity provider sent no ID token', { reason: 'id_token_invalid' });
      // Providers may keep profile claims out of the ID token (OIDC Core §5.4): ask userinfo, ID token wins.
      if (!configuration.serverMetadata().userinfo_endpoint) return idClaims;
      const userinfo = (await oidc.fetchUserInfo(configuration, tokens.access_token, String(idClaims['sub']))) as Claims;
      return { ...userinfo, ...idClaims };
    } catch (error: unknown) {
      if (error instanceof CubeError) throw error;
      if (error instanceof oidc.ResponseBodyError || error instanceof oidc.AuthorizationResponseError) {
        throw new CubeError('UNAUTHENTICATED', 'the identity provider refused the authorization code', {
          reason: 'code_exchange_failed',
          error: safeErrorCode(error.error),
        });
      }
      if (error instanceof oidc.ClientError) {
        this.logger.warn({ code: error.code, err: error.message }, 'OIDC response refused');
        throw new CubeError('UNAUTHENTICATED', 'the identity provider response failed validation', {
          reason: 'id_token_invalid',
          check: error.code ?? 'unknown',
        });
      }
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'OIDC token exchange failed');
      throw new CubeError('UNAVAILABLE', 'the identity provider is unavailable', { reason: 'oidc_provider_unavailable' });
    }
  }
}
