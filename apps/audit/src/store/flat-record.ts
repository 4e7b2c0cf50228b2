import { AuditEntry } from '@cube/contracts';

/** An audit entry as one flat row of both stores (PostgreSQL columns, Elasticsearch fields), with its place in the day's chain. */
export interface FlatAuditRecord {
  time: string;
  id: string;
  chain_day: string;
  chain_seq: number;
  source: AuditEntry['source'];
  actor_user: string;
  actor_groups: string[];
  source_ip: string | null;
  user_agent: string | null;
  action: string;
  cluster: string | null;
  namespace: string | null;
  resource: string | null;
  name: string | null;
  api_group: string | null;
  request_id: string | null;
  /** The Cube request a member's own event belongs to; null for every other record. */
  platform_request_id: string | null;
  outcome: 'success' | 'failure';
  code: number | null;
  reason: string | null;
  latency_ms: number | null;
  request_body: unknown;
  prev_hash: string;
  hash: string;
}

export function flattenEntry(entry: AuditEntry, day: string, seq: number): FlatAuditRecord {
  const { actor, target, outcome } = entry;
  return {
    time: entry.time,
    id: entry.id,
    chain_day: day,
    chain_seq: seq,
    source: entry.source,
    actor_user: actor.user,
    actor_groups: actor.groups,
    source_ip: actor.sourceIP,
    user_agent: actor.userAgent,
    action: entry.action,
    cluster: target.cluster,
    namespace: target.namespace,
    resource: target.resource,
    name: target.name,
    api_group: target.apiGroup,
    request_id: entry.requestId,
    platform_request_id: entry.platformRequestId ?? null,
    outcome: outcome.status,
    code: outcome.code,
    reason: outcome.reason,
    latency_ms: entry.latencyMs,
    request_body: entry.requestBody,
    prev_hash: entry.prevHash,
    hash: entry.hash,
  };
}

/** The entry a stored row holds (its chain position is not part of the entry). */
export function entryOf(
  row: Omit<FlatAuditRecord, 'chain_day' | 'chain_seq' | 'platform_request_id'> & { platform_request_id?: string | null },
): AuditEntry {
  return {
    id: row.id,
    time: row.time,
    source: row.source,
    actor: { user: row.actor_user, groups: row.actor_groups, sourceIP: row.source_ip, userAgent: row.user_agent },
    action: row.action,
    target: { cluster: row.cluster, namespace: row.namespace, resource: row.resource, name: row.name, apiGroup: row.api_group },
    requestId: row.request_id,
    outcome: { status: row.outcome, code: row.code, reason: row.reason },
    latencyMs: row.latency_ms,
    requestBody: row.request_body ?? null,
    // Absent when null: the stored hash was made over the entry without it.
    ...(row.platform_request_id ? { platformRequestId: row.platform_request_id } : {}),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
