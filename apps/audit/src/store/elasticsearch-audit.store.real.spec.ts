import { Client } from '@elastic/elasticsearch';
import { randomBytes } from 'node:crypto';
import { auditStoreContract } from './audit-store.contract';
import { ElasticsearchAuditStore } from './elasticsearch-audit.store';

const url = process.env['ELASTICSEARCH_URL'];

if (!url) {
  console.log('skipping the real-Elasticsearch audit store tests: ELASTICSEARCH_URL is not set');
}

(url ? describe : describe.skip)('ElasticsearchAuditStore on a real Elasticsearch (ELASTICSEARCH_URL)', () => {
  const prefix = `cube-audit-test-${randomBytes(4).toString('hex')}`;
  const client = new Client({ node: url ?? 'http://127.0.0.1:9200' });
  let store: ElasticsearchAuditStore;

  beforeAll(async () => {
    store = new ElasticsearchAuditStore(new Client({ node: url ?? '' }), { prefix, retentionDays: 0 });
    await store.init();
  });
  afterAll(async () => {
    await client.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true });
    await client.indices.deleteIndexTemplate({ name: prefix });
    await store.close();
    await client.close();
  });

  auditStoreContract(() => ({
    store,
    tamper: async (id) => {
      await client.updateByQuery({
        index: prefix,
        refresh: true,
        query: { ids: { values: [id] } },
        script: { source: "ctx._source.outcome = 'failure'" },
      });
    },
  }));
});
