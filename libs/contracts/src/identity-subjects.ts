import { RoleBinding, User } from './identity';

/**
 * Request-reply subjects of the identity service. Payloads travel inside an Envelope;
 * replies are the types named beside each subject.
 */
export const IdentitySubjects = {
  login: 'cube.identity.auth.login', // LoginRequest → TokenPair
  refresh: 'cube.identity.auth.refresh', // RefreshRequest → TokenPair
  logout: 'cube.identity.auth.logout', // RefreshRequest → null
  oidcBegin: 'cube.identity.auth.oidc.begin', // OidcBeginRequest → OidcBeginReply
  oidcComplete: 'cube.identity.auth.oidc.complete', // OidcCompleteRequest → OidcCompleteReply
  jwks: 'cube.identity.jwks.get', // {} → JsonWebKeySet
  verifyApiToken: 'cube.identity.apitoken.verify', // { token } → AuthenticatedPrincipal
  principal: 'cube.identity.principal.get', // { name } → AuthenticatedPrincipal (state check)
  me: 'cube.identity.me.get', // {} → MeReply
  userList: 'cube.identity.user.list',
  userGet: 'cube.identity.user.get',
  userCreate: 'cube.identity.user.create',
  userUpdate: 'cube.identity.user.update',
  userDelete: 'cube.identity.user.delete',
  userSetPassword: 'cube.identity.user.set-password',
  tokenList: 'cube.identity.apitoken.list', // { limit?, cursor? } → Page<ApiTokenView> (the caller's, oldest first)
  tokenCreate: 'cube.identity.apitoken.create',
  tokenRevoke: 'cube.identity.apitoken.revoke',
  roleList: 'cube.identity.role.list',
  bindingList: 'cube.identity.binding.list', // ListRoleBindingsQuery → Page<RoleBinding>
  bindingCreate: 'cube.identity.binding.create', // CreateRoleBindingBody → RoleBinding
  bindingDelete: 'cube.identity.binding.delete', // { id } → null
} as const;

export interface LoginRequest {
  username: string;
  password: string;
  provider?: 'local' | 'ldap';
  /** The caller's address as the gateway saw it, for per-IP login limits. */
  clientIp: string;
}

/** Starts an OIDC login: identity stores state, nonce and PKCE verifier and names the provider URL. */
export interface OidcBeginRequest {
  /** The SPA address to return to, checked against the allow-list; absent: the first allowed one. */
  redirect?: string;
}

export interface OidcBeginReply {
  authorizationUrl: string;
}

/** The provider's redirect back to the gateway's callback, as received. */
export interface OidcCompleteRequest {
  /** The callback's query string without `?` (code, state, iss, or error and error_description). */
  query: string;
}

export interface OidcCompleteReply {
  /** The SPA address the login started from (already checked against the allow-list). */
  redirect: string;
  tokens: TokenPair;
}

export interface RefreshRequest {
  refreshToken: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

/** Who a valid credential belongs to. */
export interface AuthenticatedPrincipal {
  name: string;
  groups: string[];
}

export interface JsonWebKeySet {
  keys: ({ kid: string; kty: string; crv?: string; x?: string; alg?: string; use?: string } & Record<string, unknown>)[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ApiTokenView {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface CreatedApiToken {
  id: string;
  name: string;
  token: string;
  expiresAt: string | null;
}

export interface MeReply {
  user: User;
  bindings: RoleBinding[];
  /** Packed CASL rules (@casl/ability/extra packRules), for the SPA to hide what the user cannot do. */
  rules: unknown[];
}
