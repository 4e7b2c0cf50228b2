// Desired-state benchmark (issue #21): 10,000 desired objects — 2,000 namespaces, each with a
// ResourceQuota, two RoleBindings and a NetworkPolicy — in one cluster's `cube-desired-<cluster>`
// bucket; how long Warden's reconciler (its KV mirror and DesiredStateReconciler, as Warden runs them)
// takes until the Kubernetes API test server holds all of them, against the "limit" leg: the same
// objects server-side applied straight to a test server by a bare keep-alive HTTPS client with the
// same concurrency (namespaces first). Then a resync with nothing changed: its time and the writes the
// test server saw (it counts requests by method). Each leg gets a fresh test server in a process of
// its own; NATS is a private nats-server. Writes bench/results/sync.json. `SYNC_BENCH_NAMESPACES` (2000),
// `SYNC_BENCH_CONCURRENCY` (16); `SYNC_BENCH_CPU_PROF=<dir>` profiles the test servers, `SYNC_BENCH_LEGS=limit` or
// `warden` runs one leg only (no JSON written).
import { ChildProcess, fork, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, NatsConnection } from 'nats';
import { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { parseKubeconfig } from '@cube/kube';
import { DesiredStateStore } from '@cube/messaging';
import { SyncStatus } from '../apps/warden/src/agent/sync-status';
import { KvMirror } from '../apps/warden/src/autonomy/kv-mirror';
import { StateCache } from '../apps/warden/src/autonomy/state-cache';
import { asManaged } from '../apps/warden/src/reconciler/desired-object';
import { DesiredStateReconciler } from '../apps/warden/src/reconciler/desired-state-reconciler';
import { answers, freePort, round, until } from './support';

const ROOT = resolve(__dirname, '..');
const NAMESPACES = Number(process.env['SYNC_BENCH_NAMESPACES'] ?? 2000);
const CONCURRENCY = Number(process.env['SYNC_BENCH_CONCURRENCY'] ?? 16);
const CLUSTER = 'bench';
const quiet = { log: () => undefined, warn: () => undefined };

interface Desired {
  key: string;
  object: KubernetesObject & Record<string, unknown>;
}

/** The objects of one Cube namespace as tenancy desires them (namespace-objects.ts), plus a NetworkPolicy. */
function desiredObjects(count: number): Desired[] {
  const out: Desired[] = [];
  const managed = { 'app.kubernetes.io/managed-by': 'cube', 'cube.io/managed-by': 'cube' };
  for (let i = 0; i < count; i++) {
    const ns = `sync-${String(i).padStart(5, '0')}`;
    const tenant = `tenant-${i % 100}`;
    const labels = { ...managed, 'cube.io/tenant': tenant, 'cube.io/project': `project-${i % 400}` };
    out.push({ key: `namespace.${ns}`, object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } } });
    out.push({
      key: `resourcequota.${ns}.cube-quota`,
      object: {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'cube-quota', namespace: ns, labels: managed },
        spec: { hard: { 'requests.cpu': '2', 'requests.memory': '4Gi', pods: '20' } },
      },
    });
    for (const [id, role] of [
      [`a${i}`, 'admin'],
      [`v${i}`, 'view'],
    ] as const)
      out.push({
        key: `rolebinding.${ns}.cube-${id}`,
        object: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: `cube-${id}`, namespace: ns, labels: { ...managed, 'cube.io/binding': id, 'cube.io/role': role } },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: `user-${i % 500}` }],
        },
      });
    out.push({
      key: `networkpolicy.${ns}.cube-isolation`,
      object: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'cube-isolation', namespace: ns, labels: managed },
        spec: {
          podSelector: {},
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'cube.io/tenant': tenant } } }] }],
        },
      },
    });
  }
  return out;
}

const PLURALS: Record<string, string> = {
  Namespace: 'namespaces',
  ResourceQuota: 'resourcequotas',
  RoleBinding: 'rolebindings',
  NetworkPolicy: 'networkpolicies',
};

function pathOf(object: KubernetesObject): string {
  const apiVersion = object.apiVersion ?? '';
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const ns = object.metadata?.namespace ? `/namespaces/${object.metadata.namespace}` : '';
  return `${prefix}${ns}/${PLURALS[object.kind ?? '']}/${object.metadata?.name}`;
}

/** A member cluster in a process of its own that counts the requests it serves. */
class CountingKubeServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly kubeconfig: string,
  ) {}

  static async start(): Promise<CountingKubeServer> {
    const child = fork(join(__dirname, 'sync-kube-server.ts'), [], {
      cwd: ROOT,
      execArgv: [
        '-r',
        '@swc-node/register',
        ...(process.env['SYNC_BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['SYNC_BENCH_CPU_PROF']] : []),
      ],
      env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.base.json' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const kubeconfig = await new Promise<string>((resolveConfig, reject) => {
      child.once('exit', (code) => reject(new Error(`the test server exited (${code})`)));
      child.on('message', (message: { kubeconfig?: string }) => message.kubeconfig && resolveConfig(message.kubeconfig));
    });
    return new CountingKubeServer(child, kubeconfig);
  }

  /** CPU seconds the test server used since the last reset. */
  cpuSeconds = 0;

  counts(reset = false): Promise<Record<string, number>> {
    return new Promise((resolveCounts) => {
      const listener = (message: { counts?: Record<string, number>; cpuSeconds?: number }) => {
        if (!message.counts) return;
        this.child.off('message', listener);
        this.cpuSeconds = message.cpuSeconds ?? 0;
        resolveCounts(message.counts);
      };
      this.child.on('message', listener);
      this.child.send(reset ? 'reset' : 'counts');
    });
  }

  async writes(): Promise<number> {
    const counts = await this.counts();
    return Object.entries(counts).reduce((sum, [method, n]) => (method === 'GET' ? sum : sum + n), 0);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** Counts the objects of each kind the cluster holds with Cube's label. */
async function held(client: KubernetesObjectApi): Promise<number> {
  let total = 0;
  for (const [apiVersion, kind] of [
    ['v1', 'Namespace'],
    ['v1', 'ResourceQuota'],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
    ['networking.k8s.io/v1', 'NetworkPolicy'],
  ] as const) {
    const list = await client.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, 'cube.io/managed-by=cube');
    total += list.items.filter((item) => item.metadata?.name?.startsWith('sync-') || item.metadata?.namespace?.startsWith('sync-')).length;
  }
  return total;
}

/** The limit: server-side apply of every object by a bare keep-alive client, `CONCURRENCY` at once, namespaces first. */
async function limitLeg(objects: Desired[]): Promise<Record<string, unknown>> {
  const server = await CountingKubeServer.start();
  try {
    const config = parseKubeconfig(server.kubeconfig);
    const cluster = config.getCurrentCluster();
    const token = config.getCurrentUser()?.token ?? '';
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: Buffer.from(cluster?.caData ?? '', 'base64').toString() });
    const url = new URL(cluster?.server ?? '');
    const apply = (object: KubernetesObject) =>
      new Promise<void>((resolveApply, reject) => {
        const body = JSON.stringify(asManaged(object));
        const req = request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method: 'PATCH',
            path: `${pathOf(object)}?fieldManager=bench&force=true`,
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/apply-patch+yaml',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              (res.statusCode ?? 500) < 300 ? resolveApply() : reject(new Error(`${res.statusCode} ${Buffer.concat(chunks).toString()}`)),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const pool = async (items: Desired[]) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let item = items[next++]; item; item = items[next++]) await apply(item.object);
        }),
      );
    };
    await server.counts(true);
    const began = performance.now();
    await pool(objects.filter((o) => o.object.kind === 'Namespace'));
    await pool(objects.filter((o) => o.object.kind !== 'Namespace'));
    const seconds = (performance.now() - began) / 1000;
    const writes = await server.writes();
    const serverCpuSeconds = server.cpuSeconds;
    const count = await held(KubernetesObjectApi.makeApiClient(config));
    agent.destroy();
    return {
      seconds: round(seconds),
      objectsPerSecond: Math.round(objects.length / seconds),
      held: count,
      writes,
      serverCpuMsPerObject: round((serverCpuSeconds * 1000) / objects.length),
      // What one free core would serve at that CPU cost: the limit on a machine not shared with other work.
      serverCeilingObjectsPerSecond: Math.round(objects.length / serverCpuSeconds),
    };
  } finally {
    await server.stop();
  }
}

/** Warden's reconciler on the bucket: full sync from the bucket as it is, then a resync with nothing changed. */
async function wardenLeg(nc: NatsConnection): Promise<Record<string, unknown>> {
  const server = await CountingKubeServer.start();
  const dir = await mkdtemp(join(tmpdir(), 'cube-bench-sync-'));
  const cache = new StateCache(dir);
  await cache.open();
  const mirror = new KvMirror<unknown>(`cube-desired-${CLUSTER}`, cache, quiet);
  const sync = new SyncStatus();
  const reconciler = new DesiredStateReconciler({
    desired: mirror,
    kubeConfig: parseKubeconfig(server.kubeconfig),
    sync,
    logger: quiet,
    concurrency: CONCURRENCY,
  });
  try {
    await server.counts(true);
    const cpuBefore = process.cpuUsage();
    const began = performance.now();
    reconciler.start();
    mirror.follow(nc);
    await until('the bucket read', async () => mirror.completedSyncs > 0, 600_000, 10);
    const read = performance.now();
    await until('the full sync', async () => reconciler.completedResyncs > 0, 600_000, 10);
    const synced = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    const fullWrites = await server.writes();
    const serverCpuSeconds = server.cpuSeconds;
    const count = await held(KubernetesObjectApi.makeApiClient(parseKubeconfig(server.kubeconfig)));

    await server.counts(true);
    const resyncBegan = performance.now();
    mirror.resync();
    await until('the resync', async () => reconciler.completedResyncs > 1, 600_000, 10);
    const resynced = performance.now();
    const resyncCounts = await server.counts();
    const resyncWrites = Object.entries(resyncCounts).reduce((sum, [method, n]) => (method === 'GET' ? sum : sum + n), 0);
    const errors = sync.current();
    return {
      fullSync: {
        seconds: round((synced - began) / 1000),
        bucketReadSeconds: round((read - began) / 1000),
        objectsPerSecond: Math.round(count / ((synced - began) / 1000)),
        held: count,
        writes: fullWrites,
        wardenCpuSeconds: round((cpu.user + cpu.system) / 1e6),
        serverCpuMsPerObject: round((serverCpuSeconds * 1000) / count),
        syncErrors: errors.length,
      },
      noopResync: { seconds: round((resynced - resyncBegan) / 1000), writes: resyncWrites, requests: resyncCounts },
    };
  } finally {
    await reconciler.stop();
    await mirror.stop();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<unknown> {
  const objects = desiredObjects(NAMESPACES);
  const stateDir = await mkdtemp(join(tmpdir(), 'cube-bench-sync-nats-'));
  let nats: ChildProcess | undefined;
  try {
    const port = await freePort();
    nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(stateDir, 'nats')], { stdio: 'ignore' });
    await until('nats-server', () => answers(port), 10_000, 25);
    const nc = await connect({ servers: `nats://127.0.0.1:${port}` });
    const store = await DesiredStateStore.open(nc.jetstream(), CLUSTER);
    const writeBegan = performance.now();
    for (let i = 0; i < objects.length; i += 500) await Promise.all(objects.slice(i, i + 500).map((o) => store.put(o.key, o.object)));
    const bucketWriteSeconds = (performance.now() - writeBegan) / 1000;
    process.stderr.write(
      `${objects.length} objects in the bucket in ${bucketWriteSeconds.toFixed(1)} s; load ${loadavg()[0].toFixed(2)}\n`,
    );

    const loadBefore = loadavg()[0];
    if (process.env['SYNC_BENCH_LEGS'] === 'warden') return { warden: await wardenLeg(nc) };
    const limit = await limitLeg(objects);
    process.stderr.write(`limit leg: ${JSON.stringify(limit)}\n`);
    if (process.env['SYNC_BENCH_LEGS'] === 'limit') return { limit };
    const warden = await wardenLeg(nc);
    process.stderr.write(`warden leg: ${JSON.stringify(warden)}\n`);
    await nc.close();
    const full = warden['fullSync'] as { seconds: number };
    const noop = warden['noopResync'] as { seconds: number; writes: number };
    const result = {
      benchmark: 'sync',
      at: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        node: process.version,
        loadAverage1m: { before: round(loadBefore), after: round(loadavg()[0]) },
      },
      objects: { total: objects.length, namespaces: NAMESPACES, perNamespace: 'Namespace, ResourceQuota, 2 RoleBindings, NetworkPolicy' },
      concurrency: CONCURRENCY,
      bucketWriteSeconds: round(bucketWriteSeconds),
      limit,
      warden,
      ratios: { wardenToLimit: round((limit['seconds'] as number) / full.seconds) },
      targets: {
        fullSyncWithin30s: full.seconds <= 30,
        atLeast0_8OfLimit: (limit['seconds'] as number) / full.seconds >= 0.8,
        noopResyncWithin5s: noop.seconds <= 5,
        noopResyncZeroWrites: noop.writes === 0,
        limitAtLeast500PerSecond: (limit['objectsPerSecond'] as number) >= 500,
      },
    };
    await mkdir(join(__dirname, 'results'), { recursive: true });
    await writeFile(join(__dirname, 'results', 'sync.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    if (nats && nats.exitCode === null) {
      const exited = new Promise((r) => nats?.once('exit', r));
      nats.kill('SIGTERM');
      await exited;
    }
    await rm(stateDir, { recursive: true, force: true });
  }
}
