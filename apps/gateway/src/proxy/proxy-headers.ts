import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { AuthenticatedPrincipal } from '@cube/contracts';

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection and are never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Headers of the caller that never reach the member: its own credentials (the member would see
 * Cube's token, not the caller's), cookies of the Cube session, and anything that asks the member to
 * act as someone else — impersonation is Cube's alone to set (kube-apiserver honours every
 * `Impersonate-*` header of an identity allowed to impersonate, as Cube's identity is).
 */
function isStripped(name: string): boolean {
  return (
    name === 'authorization' ||
    name === 'cookie' ||
    name === 'host' ||
    name.startsWith('impersonate-') ||
    name.startsWith('x-remote-') ||
    name === 'x-forwarded-for' ||
    name === 'x-forwarded-host' ||
    name === 'x-forwarded-proto'
  );
}

/** Names a `Connection` header lists are hop-by-hop for this message too. */
const NO_TOKENS: ReadonlySet<string> = new Set();

function connectionTokens(headers: IncomingHttpHeaders): ReadonlySet<string> {
  const value = headers['connection'];
  // Most messages list only keep-alive (or nothing): no set to build per request.
  if (value === undefined || value === 'keep-alive') return NO_TOKENS;
  const tokens = new Set<string>();
  for (const token of (Array.isArray(value) ? value.join(',') : (value ?? '')).split(',')) {
    const name = token.trim().toLowerCase();
    if (name) tokens.add(name);
  }
  return tokens;
}

export interface UpstreamIdentity {
  /** Cube's own `Authorization` for the member when its kubeconfig uses a token (else a client certificate authenticates). */
  authorization?: string | undefined;
  principal: AuthenticatedPrincipal;
  /**
   * The gateway's request id: sent as the user extra `cube-request-id`, so the member's own audit log
   * (its `impersonatedUser.extra`) names the Cube request that caused each event.
   */
  requestId?: string | undefined;
  /** The tenant and project of the namespace addressed, when Cube knows them (extras `cube-tenant`, `cube-project`). */
  tenant?: string | undefined;
  project?: string | undefined;
}

/**
 * The user extras Cube sets on impersonated requests. Keys are lowercase header-name tokens, so they
 * need no escaping (kube-apiserver lowercases and path-unescapes the key after `Impersonate-Extra-`);
 * a member must let Cube's credential `impersonate` `userextras/<key>` in `authentication.k8s.io`.
 */
export const CUBE_EXTRAS = { requestId: 'cube-request-id', tenant: 'cube-tenant', project: 'cube-project' } as const;

const EXTRA_HEADER = 'impersonate-extra-';

/**
 * Values go out as they are (kube-apiserver does not unescape them): only what is safe in a header
 * and in the member's audit log. Request ids (`acceptRequestId`) and DNS labels always are.
 */
const EXTRA_VALUE = /^[A-Za-z0-9._:-]{1,253}$/;

function setExtra(headers: OutgoingHttpHeaders, key: string, value: string | undefined): void {
  if (value !== undefined && EXTRA_VALUE.test(value)) headers[`${EXTRA_HEADER}${key}`] = value;
}

/**
 * The headers sent to the member's kube-apiserver: the caller's, less what is stripped above, plus
 * Cube's credential and the caller's identity as impersonation headers (user, groups, and the
 * extras naming the Cube request, tenant and project). For a WebSocket upgrade
 * `Connection: Upgrade` and `Upgrade` are kept, since the upgrade is what is forwarded.
 */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, identity: UpstreamIdentity, upgrade = false): OutgoingHttpHeaders {
  const listed = connectionTokens(incoming);
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (isStripped(lower)) continue;
    if (HOP_BY_HOP.has(lower) || listed.has(lower)) continue;
    headers[lower] = value;
  }
  if (upgrade) {
    headers['connection'] = 'Upgrade';
    headers['upgrade'] = incoming['upgrade'] ?? 'websocket';
  }
  if (identity.authorization) headers['authorization'] = identity.authorization;
  headers['impersonate-user'] = identity.principal.name;
  // Kubernetes adds system:authenticated to every authenticated user; an impersonated one gets only
  // the groups asked for, so it is asked for explicitly (as kubectl --as-group would have to).
  headers['impersonate-group'] = impersonatedGroups(identity.principal);
  // Set after the caller's headers were dropped: only Cube ever names these extras.
  setExtra(headers, CUBE_EXTRAS.requestId, identity.requestId);
  setExtra(headers, CUBE_EXTRAS.tenant, identity.tenant);
  setExtra(headers, CUBE_EXTRAS.project, identity.project);
  return headers;
}

/**
 * A principal's group list comes from the credential caches (the same array for every request of a
 * cached credential), so the impersonated list is built once per cached entry, not per request.
 */
const IMPERSONATED_GROUPS = new WeakMap<readonly string[], string[]>();

function impersonatedGroups(principal: AuthenticatedPrincipal): string[] {
  let groups = IMPERSONATED_GROUPS.get(principal.groups);
  if (!groups) {
    groups = [...new Set([...principal.groups, 'system:authenticated'])];
    IMPERSONATED_GROUPS.set(principal.groups, groups);
  }
  return groups;
}

/** The member's response headers as the caller gets them: without the member connection's hop-by-hop headers. */
export function downstreamResponseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionTokens(incoming);
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed.has(lower)) continue;
    headers[lower] = value;
  }
  return headers;
}
