// Scale benchmark (issue #21): the real stack (every built app as its own process, as `npm start`
// runs them, on a database and a nats-server of its own) seeded through the gateway API with bounded
// concurrency, then
//  1. list latency (p50/p99/max of sequential requests) of every list endpoint, first page and a deep
//     page, as the platform admin and as a tenant admin;
//  2. `/me` of a user who sees one tenant (its latency, body size and CASL rules, which are what the
//     services' ability caches hold for that user) with a handful of tenants and again with all of them;
//  3. simulated Wardens heartbeating every second over core NATS on Warden's own subject and contract
//     (`cube.clusters.<id>.heartbeat`, ClusterHeartbeat), each with a ResourceQuota per namespace: how
//     long until each heartbeat shows in the cluster's status through the API, how stale a status ever
//     gets, and the CPU the clusters (and tenancy, the second reader of heartbeats) service used.
//
// The issue's sizes ("10,000 namespaces across 1,000 tenants and 100 projects each with members") read
// as: 1,000 tenants; 100 of them hold 100 projects each (10,000 projects), every project has one
// namespace (10,000 namespaces, spread round-robin over the clusters) and a member (a Group bound as
// `member` at project scope), every tenant a tenant admin (a Group bound as `tenant-admin`). The
// measured tenant admin is a real user bound as `tenant-admin` of tenant-0000 (one of the 100-project
// tenants). Sizes from the environment (defaults = the issue's):
//   SCALE_BENCH_SEED (`bulk`: the clusters, the first ten tenants and tenant-0000's projects, members and
//   namespaces through the API — the real write path, whose rate is reported — and the rest inserted into
//   the services' tables in bulk, rows as the services write them, so the full run fits in minutes; `api`:
//   everything through the API, which takes about 3 writes per namespace),
//   SCALE_BENCH_TENANTS (1000), SCALE_BENCH_PROJECT_TENANTS (100), SCALE_BENCH_PROJECTS (100 per project
//   tenant, one namespace each), SCALE_BENCH_CLUSTERS (100, also the number of simulated Wardens),
//   SCALE_BENCH_QUOTAS (100 per heartbeat), SCALE_BENCH_HEARTBEAT_SECONDS (30), SCALE_BENCH_RUNS (200
//   requests per endpoint), SCALE_BENCH_CONCURRENCY (16 writes in flight while seeding);
//   SCALE_BENCH_CPU_PROF=<dir> has every service write a CPU profile there when the stack stops.
// A short run: SCALE_BENCH_TENANTS=50 SCALE_BENCH_PROJECT_TENANTS=5 SCALE_BENCH_PROJECTS=20
//   SCALE_BENCH_CLUSTERS=10 SCALE_BENCH_HEARTBEAT_SECONDS=10 SCALE_BENCH_RUNS=50 npm run bench -- scale
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { connect, JSONCodec, NatsConnection } from 'nats';
import { Pool } from 'pg';
import type { ClusterHeartbeat } from '@cube/contracts';
import { ClustersSubjects } from '@cube/contracts';
import { parsePrometheusText } from '@cube/observability/testing';
import { KubeServer, startKubeServer } from '@cube/testing';
import { startTestStack, TestStack } from '../apps/cube-e2e/src/support';
import { freePort, round, until } from './support';

const ROOT = resolve(__dirname, '..');
const env = (name: string, fallback: number) => Number(process.env[`SCALE_BENCH_${name}`] ?? fallback);
const TENANTS = env('TENANTS', 1000);
const PROJECT_TENANTS = Math.min(env('PROJECT_TENANTS', 100), TENANTS);
const PROJECTS = env('PROJECTS', 100);
const CLUSTERS = env('CLUSTERS', 100);
const QUOTAS = env('QUOTAS', 100);
const HEARTBEAT_SECONDS = env('HEARTBEAT_SECONDS', 30);
const RUNS = env('RUNS', 200);
const CONCURRENCY = env('CONCURRENCY', 16);
const SEED = process.env['SCALE_BENCH_SEED'] === 'api' ? 'api' : 'bulk';
/** Tenants that exist when `/me` is first measured. */
const FEW_TENANTS = Math.min(10, TENANTS);
const ADMIN_PASSWORD = 'scale-bench-secret-2026';
const TENANT_ADMIN = { name: 'scale-tenant-admin', password: 'scale bench tenant admin 2026' };

const tenantName = (t: number) => `tenant-${String(t).padStart(4, '0')}`;
const projectName = (p: number) => `project-${String(p).padStart(3, '0')}`;
const clusterName = (c: number) => `member-${String(c).padStart(3, '0')}`;
const namespaceName = (t: number, p: number) => `ns-${String(t).padStart(4, '0')}-${String(p).padStart(3, '0')}`;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1] ?? NaN),
  };
};
const machine = () => ({ cpus: cpus().length, model: cpus()[0]?.model ?? '', loadAverage: loadavg().map(round), node: process.version });

interface Answer {
  status: number;
  text: string;
  body: Record<string, unknown>;
}

class Api {
  constructor(private readonly base: string) {}

  async call(method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // not JSON
    }
    return { status: response.status, text, body: parsed };
  }

  /** A write that must answer 201 (a 409 from a retried write counts as done). */
  async create(path: string, token: string, body: unknown): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const answer = await this.call('POST', path, token, body);
      if (answer.status === 201 || (answer.status === 409 && attempt > 1)) return;
      // A busy shared machine can time a request out (503/504): tried again a few times.
      if ((answer.status === 503 || answer.status === 504) && attempt < 5) continue;
      throw new Error(`POST ${path}: ${answer.status} ${answer.text.slice(0, 300)}`);
    }
  }

  async token(username: string, password: string): Promise<string> {
    const answer = await this.call('POST', '/api/v1/auth/login', undefined, { username, password });
    if (answer.status !== 200) throw new Error(`login as ${username}: ${answer.status} ${answer.text}`);
    return String(answer.body['accessToken']);
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

async function timed(what: string, step: () => Promise<unknown>): Promise<{ seconds: number }> {
  const began = performance.now();
  process.stderr.write(`${what}…\n`);
  await step();
  const seconds = round((performance.now() - began) / 1000);
  process.stderr.write(`${what}: ${seconds} s\n`);
  return { seconds };
}

/** The nextCursor after walking `path` with pages of 500 to its last page: the deepest cursor there is. */
async function deepestCursor(api: Api, path: string, token: string): Promise<{ cursor: string | null; items: number }> {
  let cursor: string | null = null;
  let deepest: string | null = null;
  let items = 0;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const answer = await api.call('GET', `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token);
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.text.slice(0, 200)}`);
    items += (answer.body['items'] as unknown[]).length;
    const next = answer.body['nextCursor'] as string | null;
    if (!next) return { cursor: deepest, items };
    deepest = next;
    cursor = next;
  }
}

/** p50/p99/max of RUNS sequential GETs (after 5 warm-up requests); every answer must be 200. */
async function latencyOf(api: Api, path: string, token: string): Promise<ReturnType<typeof stats> & { items: number; bytes: number }> {
  const times: number[] = [];
  let last: Answer | undefined;
  for (let i = 0; i < RUNS + 5; i++) {
    const began = performance.now();
    last = await api.call('GET', path, token);
    const ms = performance.now() - began;
    if (last.status !== 200) throw new Error(`GET ${path}: ${last.status} ${last.text.slice(0, 200)}`);
    if (i >= 5) times.push(ms);
  }
  const items = Array.isArray(last?.body['items']) ? (last?.body['items'] as unknown[]).length : 1;
  return { ...stats(times), items, bytes: Buffer.byteLength(last?.text ?? '') };
}

async function listLatencies(api: Api, token: string, role: 'platform admin' | 'tenant admin') {
  const big = tenantName(0);
  const paths: Record<string, string> = {
    tenants: '/api/v1/tenants',
    projectsOfATenant: `/api/v1/tenants/${big}/projects`,
    namespacesOfAProject: `/api/v1/tenants/${big}/projects/${projectName(0)}/namespaces`,
    namespaces: '/api/v1/namespaces',
    namespacesOfATenant: `/api/v1/namespaces?tenant=${big}`,
    membersOfATenant: `/api/v1/tenants/${big}/members`,
    rolebindings: '/api/v1/rolebindings',
    clusters: '/api/v1/clusters',
    users: '/api/v1/users',
    tenantQuotas: `/api/v1/tenants/${big}/quotas`,
  };
  const deep = ['tenants', 'projectsOfATenant', 'namespaces', 'membersOfATenant', 'rolebindings', 'clusters'];
  const out: Record<string, unknown> = {};
  for (const [label, path] of Object.entries(paths)) {
    out[label] = await latencyOf(api, path, token);
    if (deep.includes(label)) {
      const { cursor, items } = await deepestCursor(api, path, token);
      if (cursor) {
        const sep = path.includes('?') ? '&' : '?';
        out[`${label}DeepPage`] = {
          ...(await latencyOf(api, `${path}${sep}cursor=${encodeURIComponent(cursor)}`, token)),
          visibleItems: items,
        };
      } else (out[label] as Record<string, unknown>)['visibleItems'] = items;
    }
    process.stderr.write(`  ${role} ${label}: ${JSON.stringify(out[label])}\n`);
  }
  return out;
}

async function me(api: Api, token: string) {
  const latency = await latencyOf(api, '/api/v1/me', token);
  const answer = await api.call('GET', '/api/v1/me', token);
  return {
    p50Ms: latency.p50Ms,
    p99Ms: latency.p99Ms,
    bytes: Buffer.byteLength(answer.text),
    bindings: (answer.body['bindings'] as unknown[]).length,
    rules: (answer.body['rules'] as unknown[]).length,
  };
}

/** process_cpu_seconds_total of a service, from its health port's /metrics. */
async function cpuSeconds(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sample = parsePrometheusText(text).find((s) => s.name === 'process_cpu_seconds_total');
  if (!sample) throw new Error(`no process_cpu_seconds_total on :${port}`);
  return sample.value;
}

/**
 * Inserts tenants (each with a tenant-admin Group binding), projects (each with a member Group
 * binding) and one namespace per project straight into tenancy's and identity's tables, as their
 * services write them (identity's bindings and tenancy's copy of them under the same id). Nothing
 * caches these rows in memory; the desired-state buckets are not written (Warden's objects are not
 * what this bench measures).
 */
async function bulkSeed(databaseUrl: string, tenants: number[], projects: { t: number; p: number }[]): Promise<void> {
  const db = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const chunk = 2000;
    const bindings: { id: string; name: string; role: string; scope: string; tenant: string; project: string | null }[] = [];
    for (let i = 0; i < tenants.length; i += chunk) {
      const names = tenants.slice(i, i + chunk).map(tenantName);
      await db.query(
        `INSERT INTO "tenancy"."tenants" ("name", "display_name", "created_by") SELECT n, n, 'admin' FROM unnest($1::text[]) AS n`,
        [names],
      );
      for (const name of names)
        bindings.push({ id: randomUUID(), name: `${name}-admins`, role: 'tenant-admin', scope: 'tenant', tenant: name, project: null });
    }
    for (let i = 0; i < projects.length; i += chunk) {
      const slice = projects.slice(i, i + chunk);
      const tenantsOf = slice.map(({ t }) => tenantName(t));
      const projectsOf = slice.map(({ p }) => projectName(p));
      await db.query(
        `INSERT INTO "tenancy"."projects" ("tenant", "name", "display_name", "created_by") SELECT t, p, p, 'admin' FROM unnest($1::text[], $2::text[]) AS x(t, p)`,
        [tenantsOf, projectsOf],
      );
      await db.query(
        `INSERT INTO "tenancy"."namespaces" ("cluster", "name", "tenant", "project", "created_by") SELECT c, n, t, p, 'admin' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS x(c, n, t, p)`,
        [
          slice.map(({ t, p }) => clusterName((t * PROJECTS + p) % CLUSTERS)),
          slice.map(({ t, p }) => namespaceName(t, p)),
          tenantsOf,
          projectsOf,
        ],
      );
      for (const { t, p } of slice)
        bindings.push({
          id: randomUUID(),
          name: `${tenantName(t)}-${projectName(p)}-team`,
          role: 'member',
          scope: 'project',
          tenant: tenantName(t),
          project: projectName(p),
        });
    }
    for (let i = 0; i < bindings.length; i += chunk) {
      const slice = bindings.slice(i, i + chunk);
      const columns = [
        slice.map((b) => b.id),
        slice.map((b) => b.name),
        slice.map((b) => b.role),
        slice.map((b) => b.scope),
        slice.map((b) => b.tenant),
        slice.map((b) => b.project),
      ];
      // clock_timestamp(): distinct creation times, as bindings created one by one have (the keyset order).
      await db.query(
        `INSERT INTO "identity"."role_bindings" ("id", "subject_kind", "subject_name", "role", "scope_kind", "tenant", "project", "created_at", "created_by")
         SELECT id, 'Group', n, r, s, t, p, clock_timestamp(), 'admin' FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS x(id, n, r, s, t, p)`,
        columns,
      );
      await db.query(
        `INSERT INTO "tenancy"."role_bindings" ("id", "subject_kind", "subject_name", "role", "scope_kind", "tenant", "project", "created_at", "created_by", "version")
         SELECT b."id", b."subject_kind", b."subject_name", b."role", b."scope_kind", b."tenant", b."project", b."created_at", b."created_by", b."version"
         FROM "identity"."role_bindings" b WHERE b."id" = ANY($1::uuid[])`,
        [columns[0]],
      );
    }
    await db.query('ANALYZE');
  } finally {
    await db.end();
  }
}

/** Until the services' outboxes are empty (their events relayed), so measuring does not compete with seeding's tail. */
async function settle(databaseUrl: string): Promise<void> {
  const db = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await until(
      'the outboxes drained',
      async () => {
        let pending = 0;
        for (const schema of ['identity', 'tenancy', 'clusters'])
          pending += Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}"."event_outbox"`)).rows[0]?.n ?? 0);
        return pending === 0 ? true : null;
      },
      300_000,
      250,
    );
  } finally {
    await db.end();
  }
}

/**
 * CLUSTERS simulated Wardens, each with a NATS connection of its own, beating every second
 * (staggered) with QUOTAS quotas over the cluster's namespaces. The beat's sequence number rides in
 * kubernetesVersion as SemVer build metadata (`v1.32.0+beat.<n>`), so a status read through the API
 * says which beat it shows; lastHeartbeat is when the clusters service stored it.
 */
async function heartbeats(
  api: Api,
  adminToken: string,
  natsUrl: string,
  namespacesOf: Map<string, string[]>,
  ports: { clusters: number; tenancy: number },
) {
  const codec = JSONCodec<ClusterHeartbeat>();
  const clusters = Array.from({ length: CLUSTERS }, (_, c) => clusterName(c));
  const sentAt = new Map<string, number[]>(clusters.map((name) => [name, []]));
  const connections: NatsConnection[] = [];
  for (const _ of clusters) connections.push(await connect({ servers: natsUrl }));
  const quotasOf = (cluster: string) =>
    Array.from({ length: QUOTAS }, (_, q) => {
      const own = namespacesOf.get(cluster) ?? [];
      return {
        namespace: own[q] ?? `${cluster}-extra-${q}`,
        hard: { 'requests.cpu': '4', 'requests.memory': '8Gi', pods: '40' },
        used: { 'requests.cpu': `${(q % 4) + 1}`, 'requests.memory': `${(q % 8) + 1}Gi`, pods: String(q % 40) },
      };
    });
  const beat = (c: number) => {
    const cluster = clusters[c] as string;
    const seq = (sentAt.get(cluster) as number[]).length;
    const heartbeat: ClusterHeartbeat = {
      clusterId: cluster,
      wardenVersion: 'bench',
      kubernetesVersion: `v1.32.0+beat.${seq}`,
      nodes: 3,
      capacity: { cpu: '48', memory: '192Gi', pods: '330' },
      quotas: quotasOf(cluster),
      syncErrors: [],
      appliedRevision: 1,
      components: [],
      at: new Date().toISOString(),
    };
    (sentAt.get(cluster) as number[]).push(Date.now());
    (connections[c] as NatsConnection).publish(ClustersSubjects.heartbeat(cluster), codec.encode(heartbeat));
  };
  // Every cluster beats once and shows `normal` before the window is measured.
  clusters.forEach((_, c) => beat(c));
  await until(
    'every simulated cluster normal',
    async () => {
      const answer = await api.call('GET', '/api/v1/clusters?limit=500', adminToken);
      const items = (answer.body['items'] as { status: string }[]) ?? [];
      return items.length === CLUSTERS && items.every((item) => item.status === 'normal') ? true : null;
    },
    120_000,
    250,
  );

  const timers: NodeJS.Timeout[] = [];
  const cpuBefore = { clusters: await cpuSeconds(ports.clusters), tenancy: await cpuSeconds(ports.tenancy) };
  const began = performance.now();
  clusters.forEach((_, c) =>
    timers.push(
      setTimeout(
        () => {
          beat(c);
          timers.push(setInterval(() => beat(c), 1000));
        },
        (1000 * c) / CLUSTERS,
      ),
    ),
  );
  // Read back through the API (as the console does) four times a second.
  const firstSeen = new Map<string, number>(); // `${cluster}#${seq}` → ms
  const recordLag: number[] = [];
  const statusAge: number[] = [];
  const notNormal = new Set<string>();
  let polls = 0;
  const deadline = performance.now() + HEARTBEAT_SECONDS * 1000;
  while (performance.now() < deadline) {
    const polled = Date.now();
    const answer = await api.call('GET', '/api/v1/clusters?limit=500', adminToken);
    const seen = Date.now();
    polls++;
    for (const item of (answer.body['items'] as { name: string; status: string; kubernetesVersion: string; lastHeartbeat: string }[]) ??
      []) {
      if (item.status !== 'normal') notNormal.add(item.name);
      const seq = Number(/\+beat\.(\d+)$/.exec(item.kubernetesVersion ?? '')?.[1] ?? NaN);
      const sent = sentAt.get(item.name)?.[seq];
      if (sent === undefined) continue;
      // How old the status shown is: the beat's age when the poll was sent (≤ the 1 s interval + the lag when fresh).
      statusAge.push(polled - sent);
      const key = `${item.name}#${seq}`;
      if (!firstSeen.has(key)) {
        firstSeen.set(key, seen - sent);
        recordLag.push(Date.parse(item.lastHeartbeat) - sent);
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const wallSeconds = (performance.now() - began) / 1000;
  timers.forEach((timer) => clearInterval(timer));
  const cpuAfter = { clusters: await cpuSeconds(ports.clusters), tenancy: await cpuSeconds(ports.tenancy) };
  await Promise.all(connections.map((nc) => nc.close()));
  const sent = [...sentAt.values()].reduce((n, list) => n + list.length, 0);
  const cpu = (service: 'clusters' | 'tenancy') => {
    const seconds = cpuAfter[service] - cpuBefore[service];
    return {
      cpuSeconds: round(seconds),
      shareOfOneCore: round(seconds / wallSeconds),
      msPerHeartbeat: round((seconds * 1000) / (wallSeconds * CLUSTERS)),
    };
  };
  return {
    wardens: CLUSTERS,
    quotasPerHeartbeat: QUOTAS,
    intervalSeconds: 1,
    windowSeconds: round(wallSeconds),
    heartbeatsSent: sent,
    polls,
    path: 'core NATS cube.clusters.<id>.heartbeat (ClusterHeartbeat, as Warden sends it) → clusters service (queue group) → PostgreSQL → GET /api/v1/clusters',
    recordLag: { ...stats(recordLag), what: "lastHeartbeat (the clusters service's commit time) − time sent" },
    visibleLag: {
      ...stats([...firstSeen.values()]),
      what: 'first GET /api/v1/clusters (polled every 250 ms) showing the beat − time sent: includes up to one poll interval',
    },
    statusAge: {
      ...stats(statusAge),
      what: 'at each poll, per cluster: time since the beat the API shows was sent (fresh: at most the 1 s interval plus the lag)',
    },
    beatsReplacedBeforeAPollSawThem: sent - firstSeen.size,
    clustersNotNormalDuringWindow: [...notNormal],
    cpu: { clusters: cpu('clusters'), tenancy: { ...cpu('tenancy'), why: 'tenancy also reads every heartbeat (quota usage)' } },
  };
}

export async function run(): Promise<unknown> {
  for (const app of ['gateway', 'clusters', 'identity', 'tenancy', 'audit', 'hotplug', 'console']) {
    if (!existsSync(join(ROOT, 'dist/apps', app, 'main.js')))
      throw new Error(`dist/apps/${app}/main.js is missing: npx nx run-many -t build --projects=tag:type:app first`);
  }
  const before = machine();
  const began = performance.now();
  let kube: KubeServer | undefined;
  let running: TestStack | undefined;
  let stopping = false;
  try {
    kube = await startKubeServer({ name: 'scale-member' });
    const ports = { clusters: await freePort(), tenancy: await freePort() };
    running = await startTestStack(
      `scale_${process.pid}`,
      {
        CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        LOG_LEVEL: 'warn',
        // Every service writes a V8 profile when it stops (summarise one with bench/cpu-profile.ts).
        // NODE_OPTIONS refuses --cpu-prof: a preloaded inspector session does the same.
        ...(process.env['SCALE_BENCH_CPU_PROF']
          ? {
              NODE_OPTIONS: `--require ${join(__dirname, 'cpu-prof-preload.js')}`,
              CUBE_BENCH_CPU_PROF_DIR: process.env['SCALE_BENCH_CPU_PROF'],
            }
          : {}),
      },
      (line) => {
        // Errors while the stack stops (a probe cut off by the dropped database) are not the run's.
        if (!stopping && /"level":(50|60)|\b(ERROR|FATAL)\b/.test(line)) process.stderr.write(`${line}\n`);
      },
      { healthPorts: ports },
    );
    const stack = running.stack;
    const runningStack = running;
    await stack.ready;
    const api = new Api(stack.gatewayUrl);
    const admin = await api.token('admin', ADMIN_PASSWORD);
    const seeding: Record<string, unknown> = {};
    const member = kube;

    // Clusters: registered as users do (connect, seal, install Warden) against one Kubernetes API
    // test server under CLUSTERS names; no Warden runs, so they stay `pending` until a simulated one beats.
    seeding['clusters'] = {
      count: CLUSTERS,
      ...(await timed(`registering ${CLUSTERS} clusters`, () =>
        pool(
          Array.from({ length: CLUSTERS }, (_, c) => c),
          4,
          (c) => api.create('/api/v1/clusters', admin, { name: clusterName(c), kubeconfig: member.kubeconfig }),
        ),
      )),
    };
    const tenants = Array.from({ length: TENANTS }, (_, t) => t);
    const makeTenant = async (t: number) => {
      await api.create('/api/v1/tenants', admin, { name: tenantName(t) });
      await api.create('/api/v1/rolebindings', admin, {
        subject: { kind: 'Group', name: `${tenantName(t)}-admins` },
        role: 'tenant-admin',
        scope: { kind: 'tenant', tenant: tenantName(t) },
      });
    };
    const few = await timed(`creating ${FEW_TENANTS} tenants`, () => pool(tenants.slice(0, FEW_TENANTS), CONCURRENCY, makeTenant));
    await api.create('/api/v1/users', admin, { name: TENANT_ADMIN.name, password: TENANT_ADMIN.password });
    await api.create('/api/v1/rolebindings', admin, {
      subject: { kind: 'User', name: TENANT_ADMIN.name },
      role: 'tenant-admin',
      scope: { kind: 'tenant', tenant: tenantName(0) },
    });
    const tenantAdmin = await api.token(TENANT_ADMIN.name, TENANT_ADMIN.password);
    await until(
      'the tenant admin sees its tenant',
      async () => ((await api.call('GET', `/api/v1/tenants/${tenantName(0)}`, tenantAdmin)).status === 200 ? true : null),
      60_000,
    );
    const meWithFewTenants = { tenants: FEW_TENANTS, namespaces: 0, ...(await me(api, tenantAdmin)) };

    // tenant-0000 (the tenant admin's) gets its projects, members and namespaces through the API in either mode.
    const projects = tenants.slice(0, PROJECT_TENANTS).flatMap((t) => Array.from({ length: PROJECTS }, (_, p) => ({ t, p })));
    const namespacesOf = new Map<string, string[]>();
    for (const { t, p } of projects) {
      const cluster = clusterName((t * PROJECTS + p) % CLUSTERS);
      namespacesOf.set(cluster, [...(namespacesOf.get(cluster) ?? []), namespaceName(t, p)]);
    }
    const throughApi = SEED === 'api' ? projects : projects.filter(({ t }) => t === 0);
    const makeProject = async ({ t, p }: { t: number; p: number }) => {
      await api.create(`/api/v1/tenants/${tenantName(t)}/projects`, admin, { name: projectName(p) });
      await api.create('/api/v1/rolebindings', admin, {
        subject: { kind: 'Group', name: `${tenantName(t)}-${projectName(p)}-team` },
        role: 'member',
        scope: { kind: 'project', tenant: tenantName(t), project: projectName(p) },
      });
      await api.create(`/api/v1/tenants/${tenantName(t)}/projects/${projectName(p)}/namespaces`, admin, {
        name: namespaceName(t, p),
        cluster: clusterName((t * PROJECTS + p) % CLUSTERS),
      });
    };
    // Tenants before their projects.
    const apiTenants =
      SEED === 'api'
        ? await timed(`creating ${TENANTS - FEW_TENANTS} more tenants through the API`, () =>
            pool(tenants.slice(FEW_TENANTS), CONCURRENCY, makeTenant),
          )
        : { seconds: 0 };
    const apiProjects = await timed(`creating ${throughApi.length} projects, each with a member and a namespace, through the API`, () =>
      pool(throughApi, CONCURRENCY, makeProject),
    );
    const bulkTenants = SEED === 'api' ? [] : tenants.slice(FEW_TENANTS);
    const bulkProjects = SEED === 'api' ? [] : projects.filter(({ t }) => t !== 0);
    const bulk = await timed(
      `inserting ${bulkTenants.length} tenants and ${bulkProjects.length} projects, members and namespaces in bulk`,
      () => bulkSeed(runningStack.databaseUrl, bulkTenants, bulkProjects),
    );
    const apiWrites = CLUSTERS + 2 * (FEW_TENANTS + (SEED === 'api' ? TENANTS - FEW_TENANTS : 0)) + 2 + 3 * throughApi.length;
    const apiSeconds = round((seeding['clusters'] as { seconds: number }).seconds + few.seconds + apiTenants.seconds + apiProjects.seconds);
    Object.assign(seeding, {
      mode: SEED,
      throughTheApi: {
        tenants: SEED === 'api' ? TENANTS : FEW_TENANTS,
        projectsWithMemberAndNamespace: throughApi.length,
        writes: apiWrites,
        seconds: apiSeconds,
        writesPerSecond: round(apiWrites / apiSeconds),
        projectsWithMemberAndNamespacePerSecond: round(throughApi.length / apiProjects.seconds),
        method: `POST through the gateway (${CONCURRENCY} in flight) as the platform admin: the real write path (services, outboxes, desired state)`,
      },
      inBulk: {
        tenants: bulkTenants.length,
        projectsWithMemberAndNamespace: bulkProjects.length,
        seconds: bulk.seconds,
        method: "multi-row INSERTs into tenancy's and identity's tables (no events, no desired state)",
      },
    });
    await timed('waiting for the outboxes to drain', () => settle(runningStack.databaseUrl));

    const meWithAllTenants = { tenants: TENANTS, namespaces: projects.length, ...(await me(api, tenantAdmin)) };
    process.stderr.write(`/me: ${JSON.stringify(meWithFewTenants)} → ${JSON.stringify(meWithAllTenants)}\n`);

    process.stderr.write('list latency…\n');
    const lists = {
      platformAdmin: await listLatencies(api, admin, 'platform admin'),
      tenantAdmin: await listLatencies(api, tenantAdmin, 'tenant admin'),
    };
    const worst = (role: Record<string, unknown>) => Math.max(...Object.values(role).map((entry) => (entry as { p99Ms: number }).p99Ms));

    process.stderr.write('heartbeats…\n');
    const heartbeat = await heartbeats(api, admin, running.natsUrl, namespacesOf, ports);

    const result = {
      benchmark: 'scale',
      at: new Date().toISOString(),
      machine: { ...before, loadAverageBefore: before.loadAverage, loadAverageAfter: loadavg().map(round) },
      sizes: {
        reading:
          '1,000 tenants; 100 of them hold 100 projects each; one namespace per project (10,000), round-robin over the clusters; every project has a member (a Group bound as member), every tenant a tenant admin (a Group bound as tenant-admin)',
        tenants: TENANTS,
        tenantsWithProjects: PROJECT_TENANTS,
        projectsPerTenant: PROJECTS,
        projects: projects.length,
        namespaces: projects.length,
        clusters: CLUSTERS,
        bindings: TENANTS + projects.length + 2,
      },
      seeding,
      lists: {
        runsPerEndpoint: RUNS,
        pageSize: 50,
        deepPage: 'the nextCursor of the last-but-one page of 500 (the deepest cursor there is)',
        ...lists,
        worstP99Ms: { platformAdmin: round(worst(lists.platformAdmin)), tenantAdmin: round(worst(lists.tenantAdmin)) },
      },
      me: {
        user: 'a tenant admin of one tenant (sees 1 tenant)',
        fewTenants: meWithFewTenants,
        allTenants: meWithAllTenants,
        bytesRatio: round(meWithAllTenants.bytes / meWithFewTenants.bytes),
        rulesRatio: round(meWithAllTenants.rules / meWithFewTenants.rules),
        abilityCache:
          "the services' AbilityCache holds per user the CASL ability built from that user's bindings, i.e. the rules /me returns",
      },
      heartbeats: heartbeat,
      targets: {
        listP99Ms: 50,
        listP99Met: worst(lists.platformAdmin) <= 50 && worst(lists.tenantAdmin) <= 50,
        meDoesNotGrow: meWithAllTenants.bytes === meWithFewTenants.bytes && meWithAllTenants.rules === meWithFewTenants.rules,
        heartbeatLagMs: 2000,
        heartbeatLagMet:
          heartbeat.recordLag.maxMs <= 2000 && heartbeat.visibleLag.maxMs <= 2000 && heartbeat.clustersNotNormalDuringWindow.length === 0,
      },
      totalSeconds: round((performance.now() - began) / 1000),
    };
    await mkdir(join(__dirname, 'results'), { recursive: true });
    await writeFile(join(__dirname, 'results', 'scale.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    stopping = true;
    await running?.stop();
    await kube?.stop();
  }
}
