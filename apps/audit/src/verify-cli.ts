// `npm run audit:verify -- [--from <time>] [--to <time>]`: walks the audit hash chains of the
// configured store (same variables as the service) and prints the first broken link; exit 1 if any.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { loadEnvironment } from '@cube/service-runtime';
import { AuditEnvironment } from './audit-environment';
import { AuditStore } from './store/audit-store';
import { ElasticsearchAuditStore } from './store/elasticsearch-audit.store';
import { PostgresAuditStore } from './store/postgres-audit.store';
import { sqlClientOfPool } from './store/sql-client';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } });
  const env = loadEnvironment(AuditEnvironment, process.env);
  const time = (value: string | undefined, name: string) => {
    if (value === undefined) return null;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) throw new Error(`--${name} must be an RFC 3339 time`);
    return date;
  };
  let pool: Pool | null = null;
  let store: AuditStore;
  if (env.AUDIT_STORE === 'elasticsearch') {
    if (!env.ELASTICSEARCH_URL) throw new Error('AUDIT_STORE=elasticsearch needs ELASTICSEARCH_URL');
    store = ElasticsearchAuditStore.connect({ node: env.ELASTICSEARCH_URL, prefix: env.AUDIT_ES_INDEX_PREFIX, retentionDays: 0 });
  } else {
    pool = new Pool({ connectionString: env.DATABASE_URL, max: 1 });
    store = new PostgresAuditStore(sqlClientOfPool(pool));
  }
  try {
    const report = await store.verify(time(values.from, 'from'), time(values.to, 'to'));
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
    await pool?.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit:verify: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
