import { Client, ClientOptions, estypes } from '@elastic/elasticsearch';
import { AuditEntry, AuditVerifyReply, CubeError, Page } from '@cube/contracts';
import { chainDayOf, firstBrokenLink, GENESIS_HASH, linkChain, UnchainedEntry } from '../records/audit-chain';
import { AuditFilter, AuditStore, NEWEST_FIRST, uniqueById } from './audit-store';
import { entryOf, FlatAuditRecord, flattenEntry } from './flat-record';

export interface ElasticsearchAuditStoreOptions {
  /** Index template `<prefix>`, daily indices `<prefix>-YYYY.MM.DD` (by record time), alias `<prefix>`. */
  prefix: string;
  /** Daily indices older than this many days are deleted at start and once a day; 0 keeps them. */
  retentionDays: number;
}

interface AuditDocument extends FlatAuditRecord {
  search_text: string;
}

const keyword = { type: 'keyword' } as const;

/** Explicit mappings: no field is guessed, `request_body` is kept in _source but not indexed. */
export const AUDIT_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    time: { type: 'date' },
    id: keyword,
    chain_day: keyword,
    chain_seq: { type: 'long' },
    source: keyword,
    actor_user: keyword,
    actor_groups: keyword,
    source_ip: keyword,
    user_agent: keyword,
    action: keyword,
    cluster: keyword,
    namespace: keyword,
    resource: keyword,
    name: keyword,
    api_group: keyword,
    request_id: keyword,
    platform_request_id: keyword,
    outcome: keyword,
    code: { type: 'integer' },
    reason: { type: 'text' },
    latency_ms: { type: 'double' },
    request_body: { type: 'object', enabled: false },
    prev_hash: { type: 'keyword', index: false },
    hash: { type: 'keyword', index: false },
    search_text: { type: 'text', analyzer: 'simple' },
  },
};

function toDocument(entry: AuditEntry, day: string, seq: number): AuditDocument {
  const { target, actor, outcome } = entry;
  return {
    ...flattenEntry(entry, day, seq),
    search_text: [actor.user, entry.action, target.cluster, target.namespace, target.resource, target.name, outcome.reason, actor.sourceIP]
      .filter(Boolean)
      .join(' '),
  };
}

/** `cube-audit-2026.11.26` for a record of that UTC day. */
export function dailyIndexOf(prefix: string, time: string): string {
  return `${prefix}-${time.slice(0, 10).replace(/-/g, '.')}`;
}

/**
 * Audit records in Elasticsearch (`AUDIT_STORE=elasticsearch`): daily indices behind an alias,
 * bulk `create` with the record id as `_id` (a second copy is a 409, i.e. skipped), the same
 * per-day hash chains as PostgreSQL with the head of today's chain kept by this, the only writer.
 */
export class ElasticsearchAuditStore implements AuditStore {
  private readonly heads = new Map<string, { seq: number; hash: string }>();
  private retentionTimer?: NodeJS.Timeout;

  constructor(
    private readonly client: Client,
    private readonly options: ElasticsearchAuditStoreOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  static connect(options: ElasticsearchAuditStoreOptions & Pick<ClientOptions, 'node' | 'Connection'>): ElasticsearchAuditStore {
    const { prefix, retentionDays, ...client } = options;
    return new ElasticsearchAuditStore(new Client(client), { prefix, retentionDays });
  }

  private get alias(): string {
    return this.options.prefix;
  }

  async init(): Promise<void> {
    await this.client.indices.putIndexTemplate({
      name: this.options.prefix,
      index_patterns: [`${this.options.prefix}-*`],
      template: {
        settings: { number_of_shards: 1, refresh_interval: '1s' },
        mappings: AUDIT_MAPPINGS,
        aliases: { [this.alias]: {} },
      },
    });
    // Daily indices made by an older template (today's among them) take the fields added since; a
    // strict mapping would refuse documents that carry them. Adding a field is always allowed.
    const existing = await this.client.indices.get({ index: `${this.options.prefix}-*`, ignore_unavailable: true, allow_no_indices: true });
    if (Object.keys(existing).length > 0) {
      await this.client.indices.putMapping({ index: `${this.options.prefix}-*`, properties: { platform_request_id: keyword } });
    }
    await this.applyRetention();
    if (this.options.retentionDays > 0) {
      this.retentionTimer = setInterval(() => void this.applyRetention().catch(() => undefined), 24 * 60 * 60 * 1000);
      this.retentionTimer.unref();
    }
  }

  /** Deletes the daily indices that ended more than `retentionDays` ago. */
  async applyRetention(): Promise<string[]> {
    if (this.options.retentionDays <= 0) return [];
    const indices = await this.client.indices.get({ index: `${this.options.prefix}-*`, ignore_unavailable: true, allow_no_indices: true });
    const cutoff = new Date(this.now().getTime() - this.options.retentionDays * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
    const expired = Object.keys(indices).filter((index) => {
      const day = /-(\d{4})\.(\d{2})\.(\d{2})$/.exec(index);
      return day !== null && `${day[1]}-${day[2]}-${day[3]}` < cutoff;
    });
    if (expired.length > 0) await this.client.indices.delete({ index: expired.join(',') });
    return expired;
  }

  async append(batch: UnchainedEntry[]): Promise<number> {
    const entries = uniqueById(batch);
    if (entries.length === 0) return 0;
    try {
      const found = await this.client.search<AuditDocument>({
        index: this.alias,
        size: entries.length,
        _source: false,
        query: { ids: { values: entries.map((entry) => entry.id) } },
        ignore_unavailable: true,
        allow_no_indices: true,
      });
      const known = new Set(found.hits.hits.map((hit) => hit._id));
      const fresh = entries.filter((entry) => !known.has(entry.id));
      if (fresh.length === 0) return 0;
      const day = chainDayOf(this.now());
      const head = await this.headOf(day);
      const { linked, head: hash } = linkChain(fresh, head.hash);
      const operations = linked.flatMap((entry, index) => [
        { create: { _index: dailyIndexOf(this.options.prefix, entry.time), _id: entry.id } },
        toDocument(entry, day, head.seq + 1 + index),
      ]);
      const response = await this.client.bulk({ operations, refresh: 'wait_for' });
      const failed = response.items.filter((item) => item.create?.error && item.create.status !== 409);
      if (failed.length > 0) {
        throw new CubeError('UNAVAILABLE', `Elasticsearch refused ${failed.length} audit record(s)`, {
          first: failed[0]?.create?.error?.reason ?? null,
        });
      }
      this.heads.set(day, { seq: head.seq + linked.length, hash });
      return fresh.length;
    } catch (error: unknown) {
      // Part of the batch may be stored: read the head again from the index on the next attempt.
      this.heads.clear();
      throw error;
    }
  }

  async query(filter: AuditFilter, limit: number, cursor: string | null): Promise<Page<AuditEntry>> {
    const after = NEWEST_FIRST.decode(cursor);
    const must: estypes.QueryDslQueryContainer[] = [];
    const term = (field: string, value: string | undefined) => value && must.push({ term: { [field]: value } });
    if (!filter.visibility.all) {
      const { user, namespaces = [], members = [] } = filter.visibility;
      if (namespaces.length === 0 && members.length === 0) term('actor_user', user);
      else {
        must.push({
          bool: {
            should: [
              { term: { actor_user: user } },
              ...namespaces.map((n) => ({ bool: { filter: [{ term: { cluster: n.cluster } }, { term: { namespace: n.namespace } }] } })),
              ...(members.length > 0 ? [{ bool: { filter: [{ term: { source: 'cube' } }, { terms: { actor_user: members } }] } }] : []),
            ],
            minimum_should_match: 1,
          },
        });
      }
    }
    term('id', filter.id);
    term('request_id', filter.requestId);
    if (filter.platformRequestId === null) must.push({ bool: { must_not: [{ exists: { field: 'platform_request_id' } }] } });
    else term('platform_request_id', filter.platformRequestId);
    term('actor_user', filter.user);
    term('cluster', filter.cluster);
    term('namespace', filter.namespace);
    term('resource', filter.resource);
    term('action', filter.verb);
    term('outcome', filter.outcome);
    term('source', filter.source);
    if (filter.from || filter.to)
      must.push({ range: { time: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lte: filter.to } : {}) } } });
    if (filter.q) must.push({ match: { search_text: { query: filter.q, operator: 'and' } } });
    const response = await this.client.search<AuditDocument>({
      index: this.alias,
      size: limit + 1,
      query: { bool: { filter: must } },
      sort: [{ time: 'desc' }, { id: 'desc' }],
      ...(after ? { search_after: [Date.parse(after[0]), after[1]] } : {}),
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    const hits = response.hits.hits.flatMap((hit) => (hit._source ? [entryOf(hit._source)] : []));
    return NEWEST_FIRST.page(
      hits,
      limit,
      (entry) => [entry.time, entry.id],
      (entry) => entry,
    );
  }

  async verify(from: Date | null, to: Date | null): Promise<AuditVerifyReply> {
    const fromDay = from ? chainDayOf(from) : '0001-01-01';
    const toDay = to ? chainDayOf(to) : '9999-12-31';
    const days = await this.client.search({
      index: this.alias,
      size: 0,
      query: { range: { chain_day: { gte: fromDay, lte: toDay } } },
      aggs: { days: { terms: { field: 'chain_day', size: 10_000, order: { _key: 'asc' } } } },
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    const buckets = (days.aggregations?.['days'] as estypes.AggregationsStringTermsAggregate | undefined)?.buckets;
    let checked = 0;
    for (const bucket of Array.isArray(buckets) ? buckets : []) {
      const day = String(bucket.key);
      let prevHash = GENESIS_HASH;
      let expectedSeq = 1;
      let searchAfter: estypes.SortResults | undefined;
      for (;;) {
        const page = await this.client.search<AuditDocument>({
          index: this.alias,
          size: 5000,
          query: { term: { chain_day: day } },
          sort: [{ chain_seq: 'asc' }],
          ...(searchAfter ? { search_after: searchAfter } : {}),
        });
        const hits = page.hits.hits;
        if (hits.length === 0) break;
        for (const hit of hits) {
          const doc = hit._source as AuditDocument;
          const entry = entryOf(doc);
          const reason =
            doc.chain_seq !== expectedSeq
              ? `record ${expectedSeq} of the day's chain is missing`
              : firstBrokenLink([entry], prevHash)?.reason;
          if (reason) return { ok: false, checked, firstBroken: { id: entry.id, time: entry.time, day, reason } };
          prevHash = entry.hash;
          expectedSeq += 1;
          checked += 1;
        }
        searchAfter = hits[hits.length - 1]?.sort;
      }
    }
    return { ok: true, checked };
  }

  async close(): Promise<void> {
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.client.close();
  }

  private async headOf(day: string): Promise<{ seq: number; hash: string }> {
    const cached = this.heads.get(day);
    if (cached) return cached;
    const last = await this.client.search<AuditDocument>({
      index: this.alias,
      size: 1,
      query: { term: { chain_day: day } },
      sort: [{ chain_seq: 'desc' }],
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    const doc = last.hits.hits[0]?._source;
    const head = doc ? { seq: doc.chain_seq, hash: doc.hash } : { seq: 0, hash: GENESIS_HASH };
    this.heads.set(day, head);
    return head;
  }
}
