import { Transform, Type } from 'class-transformer';
import { IsBase64, IsBoolean, IsInt, IsOptional, IsString, Length, Matches, Max, Min, MinLength, ValidateIf } from 'class-validator';
import { DatabaseServiceEnvironment } from '@cube/service-runtime';

const ldapOn = (env: IdentityEnvironment) => env.CUBE_LDAP_URL !== undefined;
const oidcOn = (env: IdentityEnvironment) => env.CUBE_OIDC_ISSUER_URL !== undefined;
const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** Identity's variables on top of a database service's. */
export class IdentityEnvironment extends DatabaseServiceEnvironment {
  /** Password of the bootstrap `admin`; when unset a random one is generated once. */
  @IsOptional()
  @IsString()
  @MinLength(10, { message: 'CUBE_ADMIN_PASSWORD must be at least 10 characters long' })
  CUBE_ADMIN_PASSWORD: string | undefined = undefined;

  /** 32 random bytes, base64: seals the signing keys at rest (AES-256-GCM). Unset stores them in clear, with a warning. */
  @IsOptional()
  @IsBase64(undefined, { message: 'CUBE_SECRET_KEY must be base64 (32 random bytes, e.g. openssl rand -base64 32)' })
  @Length(44, 44, { message: 'CUBE_SECRET_KEY must be 32 bytes, base64-encoded (44 characters)' })
  CUBE_SECRET_KEY: string | undefined = undefined;

  /** Where a generated bootstrap password is written (once, mode 0600). */
  @IsString()
  CUBE_ADMIN_PASSWORD_FILE = '.cube/admin-password';

  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(86_400)
  CUBE_ACCESS_TOKEN_TTL_SECONDS = 900;

  @Type(() => Number)
  @IsInt()
  @Min(300)
  @Max(90 * 86_400)
  CUBE_REFRESH_TOKEN_TTL_SECONDS = 7 * 86_400;

  @Type(() => Number)
  @IsInt()
  @Min(600)
  CUBE_SIGNING_KEY_ROTATION_SECONDS = 86_400;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  CUBE_LOGIN_MAX_FAILURES_PER_USER = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  CUBE_LOGIN_MAX_FAILURES_PER_IP = 20;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  CUBE_LOGIN_LOCKOUT_SECONDS = 300;

  // LDAP login: off while CUBE_LDAP_URL is unset.

  @IsOptional()
  @Matches(/^ldaps?:\/\/[^\s/]+\/?$/, { message: 'CUBE_LDAP_URL must be an ldap:// or ldaps:// URL (host and port)' })
  CUBE_LDAP_URL: string | undefined = undefined;

  /** The service account searching users and groups; unset binds anonymously. */
  @IsOptional()
  @IsString()
  CUBE_LDAP_BIND_DN: string | undefined = undefined;

  @IsOptional()
  @IsString()
  CUBE_LDAP_BIND_PASSWORD: string | undefined = undefined;

  @IsOptional()
  @IsString()
  CUBE_LDAP_BIND_PASSWORD_FILE: string | undefined = undefined;

  @ValidateIf(ldapOn)
  @IsString({ message: 'CUBE_LDAP_USER_BASE is required when CUBE_LDAP_URL is set' })
  @MinLength(1, { message: 'CUBE_LDAP_USER_BASE is required when CUBE_LDAP_URL is set' })
  CUBE_LDAP_USER_BASE: string | undefined = undefined;

  @Matches(/\{username\}/, { message: 'CUBE_LDAP_USER_FILTER must contain {username}' })
  CUBE_LDAP_USER_FILTER = '(uid={username})';

  @IsString()
  CUBE_LDAP_USERNAME_ATTRIBUTE = 'uid';

  @IsString()
  CUBE_LDAP_DISPLAY_NAME_ATTRIBUTE = 'cn';

  @IsString()
  CUBE_LDAP_EMAIL_ATTRIBUTE = 'mail';

  @IsString()
  CUBE_LDAP_PHONE_ATTRIBUTE = 'telephoneNumber';

  /** Where groups are searched with CUBE_LDAP_GROUP_FILTER; unset reads the user's CUBE_LDAP_MEMBER_OF_ATTRIBUTE instead. */
  @IsOptional()
  @IsString()
  CUBE_LDAP_GROUP_BASE: string | undefined = undefined;

  @Matches(/\{(dn|username)\}/, { message: 'CUBE_LDAP_GROUP_FILTER must contain {dn} or {username}' })
  CUBE_LDAP_GROUP_FILTER = '(member={dn})';

  @IsString()
  CUBE_LDAP_MEMBER_OF_ATTRIBUTE = 'memberOf';

  @IsOptional()
  @IsString()
  CUBE_LDAP_CA_FILE: string | undefined = undefined;

  @Transform(toBoolean)
  @IsBoolean({ message: 'CUBE_LDAP_STARTTLS must be true or false' })
  CUBE_LDAP_STARTTLS = false;

  /** Per connection and per operation; below CUBE_REQUEST_TIMEOUT_MS so an unreachable server is a 503 with a reason. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  CUBE_LDAP_TIMEOUT_MS = 3000;

  /** JSON `[{ group, role, scope }]`: members of an LDAP group (by DN) get the role binding. */
  @IsString()
  CUBE_LDAP_ROLE_MAPPING = '[]';

  // OIDC login: off while CUBE_OIDC_ISSUER_URL is unset.

  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'CUBE_OIDC_ISSUER_URL must be an https:// URL (http:// only on loopback)' })
  CUBE_OIDC_ISSUER_URL: string | undefined = undefined;

  @ValidateIf(oidcOn)
  @IsString({ message: 'CUBE_OIDC_CLIENT_ID is required when CUBE_OIDC_ISSUER_URL is set' })
  @MinLength(1, { message: 'CUBE_OIDC_CLIENT_ID is required when CUBE_OIDC_ISSUER_URL is set' })
  CUBE_OIDC_CLIENT_ID: string | undefined = undefined;

  @IsOptional()
  @IsString()
  CUBE_OIDC_CLIENT_SECRET: string | undefined = undefined;

  @IsOptional()
  @IsString()
  CUBE_OIDC_CLIENT_SECRET_FILE: string | undefined = undefined;

  /** The gateway's callback, as registered with the provider. */
  @ValidateIf(oidcOn)
  @Matches(/^https?:\/\/\S+\/api\/v1\/auth\/oidc\/callback$/, {
    message: 'CUBE_OIDC_REDIRECT_URL is required when CUBE_OIDC_ISSUER_URL is set: the gateway URL ending in /api/v1/auth/oidc/callback',
  })
  CUBE_OIDC_REDIRECT_URL: string | undefined = undefined;

  @Matches(/(^|\s)openid(\s|$)/, { message: 'CUBE_OIDC_SCOPES must include openid' })
  CUBE_OIDC_SCOPES = 'openid profile email';

  @IsString()
  CUBE_OIDC_USERNAME_CLAIM = 'preferred_username';

  @IsString()
  CUBE_OIDC_DISPLAY_NAME_CLAIM = 'name';

  @IsString()
  CUBE_OIDC_EMAIL_CLAIM = 'email';

  @IsString()
  CUBE_OIDC_GROUPS_CLAIM = 'groups';

  /** JSON `[{ group, role, scope }]` like CUBE_LDAP_ROLE_MAPPING, matched against the groups claim. */
  @IsString()
  CUBE_OIDC_ROLE_MAPPING = '[]';

  /** Comma-separated SPA URLs a login may return to (same origin, path at or below); the first is the default. */
  @ValidateIf(oidcOn)
  @Matches(/^\s*https?:\/\/[^,\s]+(\s*,\s*https?:\/\/[^,\s]+)*\s*$/, {
    message: 'CUBE_OIDC_ALLOWED_REDIRECTS is required when CUBE_OIDC_ISSUER_URL is set: comma-separated http(s) URLs of the SPA',
  })
  CUBE_OIDC_ALLOWED_REDIRECTS = '';

  /** How long a started login (state, nonce, PKCE verifier) waits for the provider's callback. */
  @Type(() => Number)
  @IsInt()
  @Min(30)
  @Max(3600)
  CUBE_OIDC_LOGIN_TTL_SECONDS = 600;
}
