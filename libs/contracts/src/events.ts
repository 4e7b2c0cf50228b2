import { Actor } from './envelope';

/** JetStream stream of domain events: a public interface for subscribers (API.md "Events on NATS"). */
export const EVENTS_STREAM = 'CUBE_EVENTS';
export const EVENTS_SUBJECT_PREFIX = 'cube.events';

/** JetStream stream of audit records: every write, published before the audit service stores it. */
export const AUDIT_STREAM = 'CUBE_AUDIT';
export const AUDIT_SUBJECT_PREFIX = 'cube.audit.records';

export const eventSubject = (service: string, entity: string, event: string) =>
  `${EVENTS_SUBJECT_PREFIX}.${service}.${entity}.${event}` as const;
export const auditSubject = (service: string) => `${AUDIT_SUBJECT_PREFIX}.${service}` as const;

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
}
