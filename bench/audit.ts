// Audit benchmark: sustained end-to-end ingest (publisher → CUBE_AUDIT → audit service → PostgreSQL)
// and query latency (p50/p95/p99 of AUDIT_BENCH_QUERY_RUNS, 200, sequential runs per filter) over the
// AUDIT_BENCH_SEED (1,000,000) stored records plus the ingested ones. Uses a database and a nats-server of its own.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect } from 'nats';
import { Pool } from 'pg';
import { AuditPublisher } from '@cube/messaging';
import { monthOf, PostgresAuditStore } from '../apps/audit/src/store/postgres-audit.store';
import { sqlClientOfPool } from '../apps/audit/src/store/sql-client';
import { answers, freePort, round, until } from './support';

const ROOT = resolve(__dirname, '..');
const ADMIN_URL = process.env['CUBE_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SEED = Number(process.env['AUDIT_BENCH_SEED'] ?? 1_000_000);
const INGEST = Number(process.env['AUDIT_BENCH_INGEST'] ?? 50_000);
/** Enough runs per query that the 99th percentile is a measured request, not the maximum of a few. */
const QUERY_RUNS = Number(process.env['AUDIT_BENCH_QUERY_RUNS'] ?? 200);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

/** Seeds with one INSERT … SELECT over generate_series per month partition: no per-row round trips. */
async function seed(pool: Pool, count: number): Promise<number> {
  const start = Date.UTC(2026, 5, 1);
  const spanMs = 150 * 24 * 3600 * 1000; // five months: several partitions
  for (let t = start; t < start + spanMs; t += 28 * 24 * 3600 * 1000) {
    const month = monthOf(new Date(t).toISOString());
    await pool.query(
      `CREATE TABLE IF NOT EXISTS "audit"."${month.name}" PARTITION OF "audit"."events" FOR VALUES FROM ('${month.from}') TO ('${month.to}')`,
    );
  }
  const month = monthOf(new Date(start + spanMs).toISOString());
  await pool.query(
    `CREATE TABLE IF NOT EXISTS "audit"."${month.name}" PARTITION OF "audit"."events" FOR VALUES FROM ('${month.from}') TO ('${month.to}')`,
  );
  const began = performance.now();
  const chunk = 250_000;
  for (let offset = 0; offset < count; offset += chunk) {
    const n = Math.min(chunk, count - offset);
    await pool.query(
      `INSERT INTO "audit"."events" ("time", "id", "chain_day", "chain_seq", "source", "actor_user", "actor_groups", "source_ip",
         "user_agent", "action", "cluster", "namespace", "resource", "name", "api_group", "request_id", "outcome", "code", "reason",
         "latency_ms", "request_body", "prev_hash", "hash")
       SELECT to_timestamp(($1::bigint + (g::bigint * $2::bigint / $3::bigint)) / 1000.0), 'seed-' || g, DATE '2026-06-01', g,
         CASE WHEN g % 3 = 0 THEN 'cube' ELSE 'kubernetes' END, 'user-' || (g % 500), ARRAY['team-' || (g % 20)], '10.0.' || (g % 250) || '.1',
         'kubectl/v1.31', (ARRAY['create','update','patch','delete','get','list','user.create','namespace.create'])[1 + g % 8],
         'member-' || (g % 10), 'ns-' || (g % 300), (ARRAY['pods','deployments','configmaps','secrets','services'])[1 + g % 5],
         'obj-' || g, NULL, 'req-' || g, CASE WHEN g % 50 = 0 THEN 'failure' ELSE 'success' END,
         CASE WHEN g % 50 = 0 THEN 403 ELSE 200 END, CASE WHEN g % 50 = 0 THEN 'Forbidden' ELSE NULL END,
         (g % 97) / 10.0, NULL, repeat('0', 64), md5(g::text) || md5(g::text)
       FROM generate_series($4::bigint, $5::bigint) AS g`,
      [start, spanMs, count, offset + 1, offset + n],
    );
  }
  await pool.query('ANALYZE "audit"."events"');
  return (performance.now() - began) / 1000;
}

export async function run(): Promise<unknown> {
  const loadAverageBefore = loadavg().map(round);
  if (!existsSync(join(ROOT, 'dist/apps/audit/main.js')))
    throw new Error('dist/apps/audit/main.js is missing: npx nx run audit:build first');
  const name = `cube_bench_audit_${Date.now()}`;
  const admin = new Pool({ connectionString: ADMIN_URL, max: 1 });
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const pool = new Pool({ connectionString: url.toString(), max: 4 });
  const stateDir = await mkdtemp(join(tmpdir(), 'cube-bench-audit-'));
  let nats: ChildProcess | undefined;
  let audit: ChildProcess | undefined;
  try {
    const port = await freePort();
    nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(stateDir, 'nats')], { stdio: 'ignore' });
    await until('nats-server', () => answers(port), 10_000, 25);
    const natsUrl = `nats://127.0.0.1:${port}`;
    audit = spawn(process.execPath, [join(ROOT, 'dist/apps/audit/main.js')], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], NATS_URL: natsUrl, DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' },
      stdio: 'inherit',
    });
    const nc = await connect({ servers: natsUrl });
    const jsm = await nc.jetstreamManager();
    // The service ran its migrations and made its consumer: seed under it.
    await until('the audit consumer', () => jsm.consumers.info('CUBE_AUDIT', 'cube-audit-store'), 60_000);
    process.stderr.write(`seeding ${SEED} records with generate_series…\n`);
    const seedSeconds = await seed(pool, SEED);
    process.stderr.write(`seeded in ${seedSeconds.toFixed(1)} s\n`);

    // Sustained ingest: publish INGEST records (500 in flight), time until the last one is in PostgreSQL.
    const publisher = new AuditPublisher(nc.jetstream(), { service: 'bench', outbox: { maxRecords: INGEST } });
    const count = async () =>
      Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "audit"."events" WHERE "actor_user" = 'bench'`)).rows[0]?.n ?? 0);
    const began = performance.now();
    for (let i = 0; i < INGEST; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, INGEST - i) }, (_, j) =>
          publisher.record({
            source: 'platform',
            requestId: `bench-${i + j}`,
            actor: { kind: 'user', name: 'bench', groups: ['bench'] },
            action: 'namespace.create',
            target: { kind: 'Namespace', name: `ns-${i + j}`, cluster: 'member-a', namespace: `ns-${i + j}` },
            outcome: 'success',
          }),
        ),
      );
    }
    const published = performance.now();
    await until('every ingested record stored', async () => ((await count()) >= INGEST ? true : null), 600_000, 50);
    const stored = performance.now();
    publisher.close();
    await nc.close();

    // Query latency over the store (what the service runs for GET /api/v1/audit/events, without the NATS hop).
    const store = new PostgresAuditStore(sqlClientOfPool(pool));
    const all = { visibility: { all: true as const } };
    const firstPage = await store.query(all, 50, null);
    const cases: Record<string, () => Promise<unknown>> = {
      newestPage: () => store.query(all, 50, null),
      secondPageByCursor: () => store.query(all, 50, firstPage.nextCursor),
      byUser: () => store.query({ ...all, user: 'user-42' }, 50, null),
      ownActionsOnly: () => store.query({ visibility: { all: false, user: 'user-7' } }, 50, null),
      byClusterAndNamespace: () => store.query({ ...all, cluster: 'member-3', namespace: 'ns-123' }, 50, null),
      byResourceAndVerb: () => store.query({ ...all, resource: 'secrets', verb: 'delete' }, 50, null),
      failuresOnly: () => store.query({ ...all, outcome: 'failure' }, 50, null),
      timeRange: () => store.query({ ...all, from: '2026-08-01T00:00:00Z', to: '2026-08-02T00:00:00Z' }, 50, null),
      freeText: () => store.query({ ...all, q: 'obj-123456' }, 50, null),
    };
    const latency: Record<string, { p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number }> = {};
    for (const [label, query] of Object.entries(cases)) {
      await query();
      const times: number[] = [];
      for (let i = 0; i < QUERY_RUNS; i++) {
        const t = performance.now();
        await query();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      latency[label] = {
        p50Ms: round(percentile(times, 50)),
        p95Ms: round(percentile(times, 95)),
        p99Ms: round(percentile(times, 99)),
        maxMs: round(times[times.length - 1] ?? NaN),
      };
    }
    const total = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM "audit"."events"')).rows[0]?.n ?? 0);
    const eventsPerSecond = Math.round(INGEST / ((stored - began) / 1000));
    const worstP99 = Math.max(...Object.values(latency).map((entry) => entry.p99Ms));
    const result = {
      benchmark: 'audit',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, loadAverageBefore, loadAverageAfter: loadavg().map(round) },
      seed: { records: SEED, method: 'INSERT … SELECT generate_series (chain hashes are placeholders)', seconds: round(seedSeconds) },
      ingest: {
        records: INGEST,
        path: 'AuditPublisher (PubAck) → CUBE_AUDIT → audit service (durable pull, batches of 500) → PostgreSQL',
        publishSeconds: round((published - began) / 1000),
        endToEndSeconds: round((stored - began) / 1000),
        eventsPerSecond,
      },
      query: { recordsInTable: total, runsPerCase: QUERY_RUNS, pageSize: 50, worstP99Ms: worstP99, latency },
      targets: {
        eventsPerSecond: 5000,
        eventsPerSecondMet: eventsPerSecond >= 5000,
        queryP99Ms: 200,
        queryP99Met: worstP99 <= 200 && total >= 1_000_000,
      },
    };
    await mkdir(join(__dirname, 'results'), { recursive: true });
    await writeFile(join(__dirname, 'results', 'audit.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    if (audit && audit.exitCode === null) {
      const exited = new Promise((r) => audit?.once('exit', r));
      audit.kill('SIGTERM');
      await exited;
    }
    if (nats && nats.exitCode === null) {
      const exited = new Promise((r) => nats?.once('exit', r));
      nats.kill('SIGTERM');
      await exited;
    }
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    await rm(stateDir, { recursive: true, force: true });
  }
}
