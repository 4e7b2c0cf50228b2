import { createHash } from 'node:crypto';
import { AuditEntry } from '@cube/contracts';

/** prevHash of the first record of a day's chain. */
export const GENESIS_HASH = '0'.repeat(64);

export type UnchainedEntry = Omit<AuditEntry, 'prevHash' | 'hash'>;

/** JSON with object keys sorted at every level: one byte string per value, whatever the key order stored. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`).join(',')}}`;
}

/** SHA-256 (hex) over the previous hash and the record's canonical JSON without its own hashes. */
export function hashEntry(entry: UnchainedEntry, prevHash: string): string {
  const { prevHash: _prev, hash: _hash, ...content } = entry as AuditEntry;
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(content)).digest('hex');
}

/** The chain a record joins: the UTC day it was written on, in the single writer's order. */
export function chainDayOf(writtenAt: Date): string {
  return writtenAt.toISOString().slice(0, 10);
}

/** Links records to a chain whose last hash is `head`; returns them with their hashes and the new head. */
export function linkChain(entries: UnchainedEntry[], head: string): { linked: AuditEntry[]; head: string } {
  const linked: AuditEntry[] = [];
  let prevHash = head;
  for (const entry of entries) {
    const hash = hashEntry(entry, prevHash);
    linked.push({ ...entry, prevHash, hash });
    prevHash = hash;
  }
  return { linked, head: prevHash };
}

/** Checks stored records of one chain, in chain order; the first broken link or null. */
export function firstBrokenLink(entries: AuditEntry[], head: string): { entry: AuditEntry; reason: string } | null {
  let expectedPrev = head;
  for (const entry of entries) {
    if (entry.prevHash !== expectedPrev) return { entry, reason: 'prevHash does not match the hash of the record before it' };
    if (hashEntry(entry, entry.prevHash) !== entry.hash) return { entry, reason: 'the record was changed after it was written' };
    expectedPrev = entry.hash;
  }
  return null;
}
