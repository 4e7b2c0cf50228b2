import { RoleBinding, User } from './identity';

/**
 * Request-reply subjects of the identity service. Payloads travel inside an Envelope;
 * replies are the types named beside each subject.
 */
export const IdentitySubjects = {
  login: 'cube.identity.auth.login', // LoginRequest → TokenPair
  refresh: 'cube.identity.auth.refresh', // RefreshRequest → TokenPair
  logout: 'cube.identity.auth.logout', // RefreshRequest → null
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
  tokenList: 'cube.identity.apitoken.list',
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
