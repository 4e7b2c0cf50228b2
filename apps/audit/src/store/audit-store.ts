import { AuditEntry, AuditQuery, AuditVerifyReply, Page } from '@cube/contracts';
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
