import Mock, { MockPattern } from '@elastic/elasticsearch-mock';
import { makeEntry } from './audit-store.testing';
import { AUDIT_MAPPINGS, ElasticsearchAuditStore } from './elasticsearch-audit.store';

interface Seen {
  method: string;
  path: string;
  body: unknown;
  querystring: Record<string, unknown>;
}

/** The adapter's request shapes, against the client's HTTP layer mocked: runs everywhere. */
describe('ElasticsearchAuditStore request shapes (@elastic/elasticsearch-mock)', () => {
  let mock: Mock;
  let seen: Seen[];
  let store: ElasticsearchAuditStore;
  const now = new Date('2026-11-26T12:00:00.000Z');

  beforeEach(() => {
    mock = new Mock();
    seen = [];
    const record = (answer: Record<string, unknown>) => (params: MockPattern) => {
      seen.push({ method: String(params.method), path: String(params.path), body: params.body, querystring: params.querystring ?? {} });
      return answer;
    };
    mock.add({ method: 'PUT', path: '/_index_template/:name' }, record({ acknowledged: true }));
    mock.add(
      { method: 'GET', path: '/:index' },
      record({ 'cube-audit-2026.10.01': {}, 'cube-audit-2026.11.20': {}, 'cube-audit-2026.11.26': {} }),
    );
    mock.add({ method: 'DELETE', path: '/:index' }, record({ acknowledged: true }));
    mock.add({ method: 'PUT', path: '/:index/_mapping' }, record({ acknowledged: true }));
    mock.add({ method: ['GET', 'POST'], path: '/:index/_search' }, record({ hits: { total: { value: 0, relation: 'eq' }, hits: [] } }));
    mock.add(
      { method: ['POST', 'PUT'], path: '/_bulk' },
      record({ errors: false, took: 1, items: [{ create: { status: 201 } }, { create: { status: 201 } }] }),
    );
    store = ElasticsearchAuditStore.connect({
      node: 'http://es.test:9200',
      Connection: mock.getConnection(),
      prefix: 'cube-audit',
      retentionDays: 30,
    });
    (store as unknown as { now: () => Date }).now = () => now;
  });

  it('installs an index template with explicit mappings and the alias, and deletes daily indices past retention', async () => {
    await store.init();
    const template = seen.find((request) => request.method === 'PUT');
    expect(template?.path).toBe('/_index_template/cube-audit');
    expect(template?.body).toMatchObject({
      index_patterns: ['cube-audit-*'],
      template: { mappings: AUDIT_MAPPINGS, aliases: { 'cube-audit': {} } },
    });
    expect(AUDIT_MAPPINGS.dynamic).toBe('strict');
    expect(seen.find((request) => request.method === 'DELETE')?.path).toBe('/cube-audit-2026.10.01');
    // Indices an older template made take the fields added since (the mapping is strict).
    const mapping = seen.find((request) => request.path.endsWith('/_mapping'));
    expect(mapping?.path).toBe('/cube-audit-*/_mapping');
    expect(mapping?.body).toEqual({ properties: { platform_request_id: { type: 'keyword' } } });
  });

  it("stores a member event's Cube request id in its own field and finds records by it, by id and by the lack of it", async () => {
    const native = makeEntry({ source: 'kubernetes', requestId: 'audit-1', platformRequestId: 'req-1' });
    await store.append([native, makeEntry()]);
    const bulk = seen.find((request) => request.path === '/_bulk')?.body;
    const lines = (
      Array.isArray(bulk)
        ? bulk
        : String(bulk)
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line))
    ) as Record<string, unknown>[];
    expect(lines[1]).toMatchObject({ request_id: 'audit-1', platform_request_id: 'req-1' });
    expect(lines[3]).toMatchObject({ platform_request_id: null });
    await store.query({ visibility: { all: true }, id: 'e-1', requestId: 'req-1', platformRequestId: null, cluster: 'c1' }, 5, null);
    await store.query({ visibility: { all: true }, platformRequestId: 'req-1' }, 5, null);
    const [first, second] = seen.filter((request) => request.path === '/cube-audit/_search').slice(-2);
    expect((first?.body as { query: unknown }).query).toEqual({
      bool: {
        filter: [
          { term: { id: 'e-1' } },
          { term: { request_id: 'req-1' } },
          { bool: { must_not: [{ exists: { field: 'platform_request_id' } }] } },
          { term: { cluster: 'c1' } },
        ],
      },
    });
    expect((second?.body as { query: unknown }).query).toEqual({ bool: { filter: [{ term: { platform_request_id: 'req-1' } }] } });
  });

  it('bulk-creates records into the daily index of their time with the record id as _id, chained', async () => {
    const first = makeEntry({ time: '2026-11-25T23:59:59.000Z' });
    const second = makeEntry({ time: '2026-11-26T00:00:01.000Z' });
    expect(await store.append([first, second])).toBe(2);
    const bulk = seen.find((request) => request.path === '/_bulk');
    expect(bulk?.querystring).toMatchObject({ refresh: 'wait_for' });
    // The client hands the mock either NDJSON text or the operations themselves.
    const body = bulk?.body;
    const lines = (
      Array.isArray(body)
        ? body
        : String(body)
            .trim()
            .split('\n')
            .map((line) => JSON.parse(line))
    ) as Record<string, unknown>[];
    expect(lines[0]).toEqual({ create: { _index: 'cube-audit-2026.11.25', _id: first.id } });
    expect(lines[2]).toEqual({ create: { _index: 'cube-audit-2026.11.26', _id: second.id } });
    expect(lines[1]).toMatchObject({ id: first.id, chain_day: '2026-11-26', chain_seq: 1, prev_hash: '0'.repeat(64) });
    expect(lines[3]).toMatchObject({ chain_seq: 2, prev_hash: (lines[1] as { hash: string }).hash });
  });

  it('queries the alias with term filters, free text, newest first and search_after from the cursor', async () => {
    const cursor = Buffer.from(JSON.stringify(['2026-11-26T10:00:00.000Z', 'e-9'])).toString('base64url');
    await store.query(
      { visibility: { all: false, user: 'alice' }, cluster: 'member-a', outcome: 'failure', q: 'payments', from: '2026-11-01T00:00:00Z' },
      20,
      cursor,
    );
    const search = seen.find((request) => request.path === '/cube-audit/_search');
    expect(search?.body).toEqual({
      size: 21,
      query: {
        bool: {
          filter: [
            { term: { actor_user: 'alice' } },
            { term: { cluster: 'member-a' } },
            { term: { outcome: 'failure' } },
            { range: { time: { gte: '2026-11-01T00:00:00Z' } } },
            { match: { search_text: { query: 'payments', operator: 'and' } } },
          ],
        },
      },
      sort: [{ time: 'desc' }, { id: 'desc' }],
      search_after: [Date.parse('2026-11-26T10:00:00.000Z'), 'e-9'],
    });
  });

  it("puts a tenant admin's visibility into the query as one bool of its own records, namespaces and members", async () => {
    await store.query(
      { visibility: { all: false, user: 'carl', namespaces: [{ cluster: 'c1', namespace: 'ta-ns' }], members: ['dora'] } },
      10,
      null,
    );
    const search = seen.filter((request) => request.path === '/cube-audit/_search').pop();
    expect((search?.body as { query: unknown }).query).toEqual({
      bool: {
        filter: [
          {
            bool: {
              should: [
                { term: { actor_user: 'carl' } },
                { bool: { filter: [{ term: { cluster: 'c1' } }, { term: { namespace: 'ta-ns' } }] } },
                { bool: { filter: [{ term: { source: 'cube' } }, { terms: { actor_user: ['dora'] } }] } },
              ],
              minimum_should_match: 1,
            },
          },
        ],
      },
    });
  });
});
