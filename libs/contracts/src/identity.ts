/** Built-in roles (ARCHITECTURE.md "Identity and access"); each maps to a ClusterRole in every member cluster. */
export const ROLE_NAMES = ['platform-admin', 'tenant-admin', 'project-admin', 'member', 'viewer'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export type BindingScope = { kind: 'platform' } | { kind: 'tenant'; tenant: string } | { kind: 'project'; tenant: string; project: string };
export type BindingScopeKind = BindingScope['kind'];

export interface BindingSubject {
  kind: 'User' | 'Group';
  name: string;
}

/**
 * Who made a binding: `manual` ones are made through the API; `ldap` and `oidc` ones are derived from
 * the user's directory groups by the group → role mapping and reconciled at each login of that user.
 */
export const BINDING_ORIGINS = ['manual', 'ldap', 'oidc'] as const;
export type BindingOrigin = (typeof BINDING_ORIGINS)[number];

export interface RoleBinding {
  id: string;
  subject: BindingSubject;
  role: RoleName;
  scope: BindingScope;
  createdAt: string;
  createdBy: string;
  origin: BindingOrigin;
  version: number;
}

export type UserSource = 'local' | 'ldap' | 'oidc';
export type UserState = 'active' | 'disabled';

export interface User {
  name: string;
  displayName: string;
  email: string | null;
  phone: string | null;
  state: UserState;
  source: UserSource;
  createdAt: string;
  lastLoginAt: string | null;
  version: number;
}

/** Claims of a Cube access token (a JWT signed with EdDSA; verified offline against the JWKS). */
export interface AccessTokenClaims {
  sub: string;
  name: string;
  groups: string[];
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string | string[];
}

/** Issuer and audience of Cube access tokens, shared by the signer (identity) and every verifier. */
export const ACCESS_TOKEN_ISSUER = 'cube';
export const ACCESS_TOKEN_AUDIENCE = 'cube';

/** Prefix of opaque API tokens, so a leaked one is recognisable (and scanners can find it). */
export const API_TOKEN_PREFIX = 'cube_';
