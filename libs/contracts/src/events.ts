import { Actor } from './envelope';

/** JetStream stream of domain events: a public interface for subscribers (API.md "Events on NATS"). */
export const EVENTS_STREAM = 'CUBE_EVENTS';
export const EVENTS_SUBJECT_PREFIX = 'cube.events';

/**
 * JetStream stream of audit records: every write, published before the audit service stores it, on
 * `cube.audit.<source>` (issue #9). The stream captures `cube.audit.*`, exactly three tokens: the
 * audit service's request-reply subjects have four (`cube.audit.event.list`), and a stream capturing
 * them would store the requests and answer them with a PubAck before the service could.
 */
export const AUDIT_STREAM = 'CUBE_AUDIT';
export const AUDIT_SUBJECT_PREFIX = 'cube.audit';

/**
 * JetStream stream of native audit events a member cluster's Warden spooled on disk and forwards
 * (issue #22): one `audit.k8s.io/v1` Event per message on `cube.audit.native.<cluster>`, with
 * `Nats-Msg-Id` = {@link nativeAuditEventId}. The audit service reads it with a durable consumer and
 * puts each event, normalised, on `CUBE_AUDIT`. Four tokens: outside `CUBE_AUDIT`'s `cube.audit.*`,
 * and no request-reply subject of the audit service starts with `cube.audit.native`.
 */
export const NATIVE_AUDIT_STREAM = 'CUBE_AUDIT_NATIVE';
export const NATIVE_AUDIT_SUBJECT_TOKEN = 'native';

/**
 * The id of a native audit event's record: the audit id for the final stage, `<auditID>/<stage>` for
 * the others (a watch is reported at ResponseStarted and ResponseComplete). Warden's `Nats-Msg-Id`
 * and the stored record's id, so a repeated event is dropped by JetStream or by the store.
 */
export function nativeAuditEventId(event: { auditID: string; stage: string }): string {
  return event.stage === 'ResponseComplete' ? event.auditID : `${event.auditID}/${event.stage}`;
}

export const eventSubject = (service: string, entity: string, event: string) =>
  `${EVENTS_SUBJECT_PREFIX}.${service}.${entity}.${event}` as const;
/** The subject token of a record's source: Cube's own writes (`platform` records) are `cube`, as the audit query's `source`. */
export const auditSourceToken = (source: AuditRecord['source']) => (source === 'kubernetes' ? 'kubernetes' : 'cube');
export const auditSubject = (source: AuditRecord['source']) => `${AUDIT_SUBJECT_PREFIX}.${auditSourceToken(source)}` as const;

/** A domain event. `id` makes redelivery idempotent; `version` is the entity's version after the change. */
export interface CubeEvent<TData = unknown> {
  id: string;
  type: string;
  at: string;
  actor: Actor;
  entity: { kind: string; name: string; [key: string]: unknown };
  version: number;
  data: TData;
}

/** An audit record of one write (or one refused write), emitted by the service that handled it. */
export interface AuditRecord {
  id: string;
  at: string;
  source: 'platform' | 'kubernetes';
  service: string;
  requestId: string;
  actor: Actor;
  action: string;
  target: { kind: string; name: string; [key: string]: unknown };
  outcome: 'success' | 'failure';
  reason?: string;
  /** Optional detail the audit service keeps when present (native Kubernetes audit fills them all). */
  sourceIp?: string;
  userAgent?: string;
  /** HTTP status code of the outcome. */
  code?: number;
  latencyMs?: number;
  /** Only for resources on the audit service's allow-list, Secret data already redacted. */
  requestBody?: unknown;
  /**
   * A member's own audit event of a request Cube's proxy forwarded: the gateway's request id, from the
   * user extra `cube-request-id` the proxy set (the platform record of that request has it as `requestId`).
   */
  platformRequestId?: string;
}
