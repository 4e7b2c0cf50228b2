// The request pipeline's pluggable stages, in kube-apiserver's order: authentication →
// authorization → admission → storage. Part 1 ships an admin-token authenticator, an allow-all
// authorizer and no admission; RBAC, impersonation and webhooks slot in here.
import { IncomingMessage } from 'node:http';
import { RequestInfo } from '@cube/kube';
import { ResourceType } from './resources';
import { KubeObject } from './types';

export { parseRequestInfo } from '@cube/kube';
export type { RequestInfo } from '@cube/kube';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What the handler chain learns about one request; the audit sink reports it. */
export interface RequestContext {
  /** Audit-ID header value (a fresh UUID unless the client sent one). */
  auditId: string;
  received: Date;
  info: RequestInfo;
  /** The authenticated user, before impersonation. */
  user?: UserInfo;
  /** Set when the request impersonated someone: the user it is authorized and served as. */
  impersonatedUser?: UserInfo;
  /** The authorizer's answer, for the audit annotations. */
  authorization?: AuthorizationDecision;
}

/**
 * The impersonation filter (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go): reads the
 * Impersonate-* headers, checks the `impersonate` verb for each, and returns the user to serve as.
 */
export type Impersonator = (req: IncomingMessage, user: UserInfo, authorize: Authorizer) => Promise<UserInfo>;

/** Part 1: impersonation headers are ignored. */
export const noImpersonation: Impersonator = async (_req, user) => user;

/** The attributes an authorizer decides on; a RequestInfo with only what RBAC reads. */
export type AuthorizationAttributes = Pick<
  RequestInfo,
  'isResourceRequest' | 'path' | 'verb' | 'apiGroup' | 'namespace' | 'resource' | 'subresource' | 'name'
>;

export type Authenticator = (req: IncomingMessage) => Promise<UserInfo | undefined>;

export interface AuthorizationDecision {
  allowed: boolean;
  reason?: string;
}

export type Authorizer = (user: UserInfo, info: RequestInfo) => Promise<AuthorizationDecision>;

export interface AdmissionAttributes {
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  type: ResourceType;
  subresource: string;
  namespace: string;
  name: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  user: UserInfo;
  dryRun: boolean;
  /** The request's CreateOptions, UpdateOptions or DeleteOptions (meta.k8s.io/v1), as webhooks see them. */
  options?: Record<string, unknown>;
  /** Adds a warning to the response (a `Warning: 299 - "..."` header). */
  warn?: (message: string) => void;
}

/** Mutating admission returns the (possibly changed) object; validating admission throws ApiError to refuse. */
export interface AdmissionPlugin {
  name: string;
  admit?: (a: AdmissionAttributes) => Promise<KubeObject | undefined>;
  validate?: (a: AdmissionAttributes) => Promise<void>;
}

export const allowAll: Authorizer = async () => ({ allowed: true });

export function bearerTokenAuthenticator(tokens: Map<string, UserInfo>): Authenticator {
  return async (req) => {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (!m) return undefined;
    return tokens.get(m[1]);
  };
}
