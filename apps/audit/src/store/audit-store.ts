import { AuditEntry, AuditQuery, AuditTrail, AuditVerifyReply, Page } from '@cube/contracts';
import { Keyset } from '@cube/persistence';
import { UnchainedEntry } from '../records/audit-chain';

/**
 * Who may see what: everything, or the records of one user's own actions plus, for tenant admins,
 * the native records of their tenants' namespaces and the platform (`cube`) actions of their members.
 */
export type AuditVisibility =
  | { all: true }
  | { all: false; user: string; namespaces?: { cluster: string; namespace: string }[]; members?: string[] };

export interface AuditFilter extends Omit<AuditQuery, 'limit' | 'cursor'> {
  visibility: AuditVisibility;
  /** Internal filters (not query parameters of the list): one record, a request id, the Cube request of a member's event (null: none). */
  id?: string;
  requestId?: string;
  platformRequestId?: string | null;
}

/**
 * Where audit records live (PostgreSQL or Elasticsearch), with the same semantics for both:
 * `append` stores a batch atomically, skips ids already stored, and links the new records into
 * the day's hash chain in the order given (the single consumer's write order).
 */
export interface AuditStore {
  init(): Promise<void>;
  /** Returns how many records were new. */
  append(entries: UnchainedEntry[]): Promise<number>;
  /** Newest first; `cursor` is opaque and stable under concurrent writes. */
  query(filter: AuditFilter, limit: number, cursor: string | null): Promise<Page<AuditEntry>>;
  /** Walks the chains of the days from..to and reports the first broken link. */
  verify(from: Date | null, to: Date | null): Promise<AuditVerifyReply>;
  close(): Promise<void>;
}

export const AUDIT_STORE = Symbol('AUDIT_STORE');

/** Records page newest first by (time, id). */
export const NEWEST_FIRST = new Keyset<[time: string, id: string]>(['timestamp', 'text']);

/** Drops repeated ids inside one batch (a redelivered copy pulled with its original). */
export function uniqueById(entries: UnchainedEntry[]): UnchainedEntry[] {
  const seen = new Set<string>();
  return entries.filter((entry) => (seen.has(entry.id) ? false : (seen.add(entry.id), true)));
}

/** At most this many records are linked to one (a proxied request is one member event; a retried one a few). */
export const LINKED_LIMIT = 100;

/**
 * A record and the same request on the other side of the proxy, through `query` (so with the same
 * visibility as the list): a platform record's linked records are the member's own events that
 * carried its request id; a member event's are the platform record(s) of that request. Both sides
 * must name the same cluster and user, as every genuine pair does: a caller who reuses someone
 * else's request id (X-Request-Id) cannot attach their own events to that person's record.
 * Null when the record does not exist or the caller may not see it.
 */
export async function auditTrail(store: AuditStore, id: string, visibility: AuditVisibility): Promise<AuditTrail | null> {
  const [record] = (await store.query({ visibility, id }, 1, null)).items;
  if (!record) return null;
  const cluster = record.target.cluster ?? undefined;
  if (!cluster) return { record, linked: [] };
  const same = { visibility, cluster, user: record.actor.user };
  const linked = record.platformRequestId
    ? await store.query({ ...same, requestId: record.platformRequestId, platformRequestId: null }, LINKED_LIMIT, null)
    : record.requestId
      ? await store.query({ ...same, platformRequestId: record.requestId }, LINKED_LIMIT, null)
      : { items: [] };
  // Oldest first: the platform record, then the member's events, in the order they happened.
  return { record, linked: linked.items.filter((entry) => entry.id !== record.id).reverse() };
}
