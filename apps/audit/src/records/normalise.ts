import { AuditRecord } from '@cube/contracts';
import { UnchainedEntry } from './audit-chain';

export const REDACTED = '[REDACTED]';

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/**
 * Replaces the values of `data` and `stringData` in every Secret inside a body (a Secret, a List of
 * them, a patch naming kind Secret), keeping the keys so the record still says what changed.
 */
export function redactSecrets(body: unknown, isSecretResource = false): unknown {
  if (Array.isArray(body)) return body.map((item) => redactSecrets(item, isSecretResource));
  if (typeof body !== 'object' || body === null) return body;
  const object = body as Record<string, unknown>;
  const isSecret = isSecretResource || object['kind'] === 'Secret';
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (isSecret && (key === 'data' || key === 'stringData') && typeof value === 'object' && value !== null) {
      result[key] = Object.fromEntries(Object.keys(value).map((name) => [name, REDACTED]));
    } else {
      result[key] = redactSecrets(value, isSecretResource && key === 'items');
    }
  }
  return result;
}

/** The stored shape of a record a producer published (Cube services, or the native audit ingest). */
export function toEntry(record: AuditRecord): UnchainedEntry {
  const target = record.target as Record<string, unknown>;
  const at = new Date(record.at);
  const resource = text(target['resource']) ?? text(target['kind']);
  // A login arrives unauthenticated (actor system:anonymous); the one acting is the user it names,
  // so that user sees their own logins and failed attempts on their name are found under it.
  const user =
    record.actor.kind === 'system' && record.actor.name === 'anonymous' && record.action.startsWith('auth.') && text(target['name'])
      ? String(target['name'])
      : record.actor.name;
  return {
    id: record.id,
    time: (Number.isNaN(at.getTime()) ? new Date() : at).toISOString(),
    source: record.source === 'kubernetes' ? 'kubernetes' : 'cube',
    actor: {
      user,
      groups: record.actor.kind === 'user' ? [...record.actor.groups] : [],
      sourceIP: text(record.sourceIp) ?? text(target['clientIp']),
      userAgent: text(record.userAgent),
    },
    action: record.action,
    target: {
      cluster: text(target['cluster']),
      namespace: text(target['namespace']),
      resource,
      name: text(target['name']),
      apiGroup: text(target['apiGroup']),
    },
    requestId: text(record.requestId),
    outcome: { status: record.outcome === 'failure' ? 'failure' : 'success', code: record.code ?? null, reason: text(record.reason) },
    latencyMs: typeof record.latencyMs === 'number' && Number.isFinite(record.latencyMs) ? record.latencyMs : null,
    // Secrets are redacted again here: a producer's mistake must not put Secret data in the trail.
    requestBody: record.requestBody === undefined ? null : redactSecrets(record.requestBody, resource === 'secrets'),
    // Only native records name a Cube request of their own; absent (not null) otherwise, as before it existed.
    ...(record.source === 'kubernetes' && text(record.platformRequestId) ? { platformRequestId: String(record.platformRequestId) } : {}),
  };
}

interface K8sUserInfo {
  username?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** The user extra Cube's proxy sets on every request it forwards (the gateway's request id). */
export const CUBE_REQUEST_ID_EXTRA = 'cube-request-id';

/** Request ids as the gateway accepts them (acceptRequestId): anything else is not Cube's. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The Cube request a native event belongs to: the impersonated user's `cube-request-id` extra, which
 * only Cube's credential may set (the member lets it impersonate that extra; the proxy drops any
 * `Impersonate-*` header a caller sends). Not read from `user`: that is who authenticated, and an
 * extra there came from the member's own authentication, not from Cube.
 */
export function platformRequestIdOf(event: K8sAuditEvent): string | undefined {
  const values = event.impersonatedUser?.extra?.[CUBE_REQUEST_ID_EXTRA];
  const value = Array.isArray(values) && values.length === 1 ? values[0] : undefined;
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : undefined;
}

/** The fields of an `audit.k8s.io/v1` Event Cube reads. */
export interface K8sAuditEvent {
  auditID: string;
  stage: string;
  verb: string;
  requestURI?: string;
  user?: K8sUserInfo;
  impersonatedUser?: K8sUserInfo;
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number; reason?: string; message?: string; status?: string };
  requestObject?: unknown;
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
}

export function isK8sAuditEvent(value: unknown): value is K8sAuditEvent {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  return typeof event['auditID'] === 'string' && typeof event['stage'] === 'string' && typeof event['verb'] === 'string';
}

/**
 * A native audit event as an audit record. Requests come through Cube's proxy with the platform's
 * credentials and `Impersonate-User`, so the impersonated user is the Cube user who acted
 * (kube-apiserver records the impersonator in `user` and the effective user in `impersonatedUser`).
 */
export function fromK8sEvent(cluster: string, event: K8sAuditEvent, bodyResources: ReadonlySet<string>): AuditRecord {
  const who = event.impersonatedUser?.username ? event.impersonatedUser : (event.user ?? {});
  const resource = event.objectRef?.resource
    ? event.objectRef.subresource
      ? `${event.objectRef.resource}/${event.objectRef.subresource}`
      : event.objectRef.resource
    : undefined;
  const code = event.responseStatus?.code;
  const received = Date.parse(event.requestReceivedTimestamp ?? '');
  const staged = Date.parse(event.stageTimestamp ?? '');
  const failed = code !== undefined && code >= 400;
  const platformRequestId = platformRequestIdOf(event);
  const keepBody =
    event.requestObject !== undefined && event.objectRef?.resource !== undefined && bodyResources.has(event.objectRef.resource);
  return {
    // One request may be reported at several stages (a watch at ResponseStarted and ResponseComplete).
    id: event.stage === 'ResponseComplete' ? event.auditID : `${event.auditID}/${event.stage}`,
    at: Number.isNaN(received) ? new Date().toISOString() : new Date(received).toISOString(),
    source: 'kubernetes',
    service: 'kubernetes',
    requestId: event.auditID,
    actor: { kind: 'user', name: who.username ?? 'system:anonymous', groups: who.groups ?? [] },
    action: event.verb,
    target: {
      kind: resource ?? 'nonResourceURL',
      name: event.objectRef?.name ?? (resource ? '' : (event.requestURI ?? '')),
      cluster,
      ...(event.objectRef?.namespace ? { namespace: event.objectRef.namespace } : {}),
      ...(resource ? { resource } : {}),
      ...(event.objectRef?.apiGroup ? { apiGroup: event.objectRef.apiGroup } : {}),
    },
    outcome: failed ? 'failure' : 'success',
    ...(failed ? { reason: event.responseStatus?.reason ?? event.responseStatus?.message ?? 'failed' } : {}),
    ...(event.sourceIPs?.[0] ? { sourceIp: event.sourceIPs[0] } : {}),
    ...(event.userAgent ? { userAgent: event.userAgent } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(!Number.isNaN(received) && !Number.isNaN(staged) ? { latencyMs: Math.max(0, staged - received) } : {}),
    ...(keepBody ? { requestBody: redactSecrets(event.requestObject, event.objectRef?.resource === 'secrets') } : {}),
    ...(platformRequestId ? { platformRequestId } : {}),
  };
}
