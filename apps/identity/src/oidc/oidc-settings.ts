import { ConfigurationError, SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { GroupRoleMapping, parseGroupRoleMapping } from '../external-login/group-role-mapping';
import { readSecretSetting } from '../external-login/secret-setting';
import { IdentityEnvironment } from '../identity-environment';
import { RedirectAllowList } from './redirect-allowlist';

/** OIDC login settings, read and checked once at start; null when OIDC is not configured. */
export interface OidcSettings {
  issuer: URL;
  /** http:// is accepted for a loopback issuer only (a provider on the same machine, e.g. in tests). */
  insecureLoopback: boolean;
  clientId: string;
  /** Unset: a public client (PKCE alone). */
  clientSecret: string | undefined;
  redirectUrl: string;
  scopes: string;
  claims: { username: string; displayName: string; email: string; groups: string };
  mapping: GroupRoleMapping[];
  allowedRedirects: RedirectAllowList;
  loginTtlSeconds: number;
  timeoutSeconds: number;
}

export const OIDC_SETTINGS = Symbol('OIDC_SETTINGS');

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function oidcSettingsOf(env: IdentityEnvironment): OidcSettings | null {
  if (env.CUBE_OIDC_ISSUER_URL === undefined) return null;
  const issuer = new URL(env.CUBE_OIDC_ISSUER_URL);
  const insecureLoopback = issuer.protocol === 'http:';
  if (insecureLoopback && !LOOPBACK.has(issuer.hostname)) {
    throw new ConfigurationError('invalid configuration: CUBE_OIDC_ISSUER_URL must be https:// (http:// only on loopback)');
  }
  return {
    issuer,
    insecureLoopback,
    clientId: env.CUBE_OIDC_CLIENT_ID ?? '',
    clientSecret: readSecretSetting('CUBE_OIDC_CLIENT_SECRET', env.CUBE_OIDC_CLIENT_SECRET, env.CUBE_OIDC_CLIENT_SECRET_FILE),
    redirectUrl: env.CUBE_OIDC_REDIRECT_URL ?? '',
    scopes: env.CUBE_OIDC_SCOPES,
    claims: {
      username: env.CUBE_OIDC_USERNAME_CLAIM,
      displayName: env.CUBE_OIDC_DISPLAY_NAME_CLAIM,
      email: env.CUBE_OIDC_EMAIL_CLAIM,
      groups: env.CUBE_OIDC_GROUPS_CLAIM,
    },
    mapping: parseGroupRoleMapping('CUBE_OIDC_ROLE_MAPPING', env.CUBE_OIDC_ROLE_MAPPING),
    allowedRedirects: RedirectAllowList.parse(env.CUBE_OIDC_ALLOWED_REDIRECTS),
    loginTtlSeconds: env.CUBE_OIDC_LOGIN_TTL_SECONDS,
    // Below the gateway's request deadline, so a silent provider is a 503 with a reason.
    timeoutSeconds: Math.max(1, Math.floor((env.CUBE_REQUEST_TIMEOUT_MS * 0.6) / 1000)),
  };
}

export const oidcSettingsProvider = { provide: OIDC_SETTINGS, useFactory: oidcSettingsOf, inject: [SERVICE_ENVIRONMENT] };
