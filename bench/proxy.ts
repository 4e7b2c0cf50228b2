// Native API proxy benchmark: the same GET of one ConfigMap, at the same concurrency and for the
// same time, (1) straight to a Kubernetes API test server, (2) through Cube's proxy with 1 and 2
// gateway workers (CUBE_GATEWAY_WORKERS), (3) through nginx with worker_processes 1 and 2 as a plain
// reverse proxy that sets the same credential and impersonation headers as Cube (so the upstream does
// the same work), plus nginx passing requests through unchanged, a bare Node proxy doing Cube's job
// and direct requests with impersonation headers; at 16 and 64 connections. Everything on loopback,
// each process its own; the CPU time each proxy's processes spent per request is read from /proc.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { cpus, loadavg, tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { parse } from 'yaml';
import { LocalNatsServer, RunningStack, startStack } from '@cube/dev-stack';
import { answers, freePort, round, until } from './support';

const ROOT = resolve(__dirname, '..');
const ADMIN_URL = process.env['CUBE_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NGINX = '/usr/sbin/nginx';
const CONNECTIONS = (process.env['PROXY_BENCH_CONNECTIONS'] ?? '16,64').split(',').map(Number);
const DURATION_S = Number(process.env['PROXY_BENCH_DURATION'] ?? 10);
const WARMUP_S = 2;
const ROUNDS = Number(process.env['PROXY_BENCH_ROUNDS'] ?? 3);
const ADMIN_PASSWORD = 'bench-proxy-secret-2026';
const CLUSTER = 'bench';
const OBJECT_PATH = '/api/v1/namespaces/default/configmaps/bench';

interface Measured {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Requests/s of each round, in order. */
  perRound: number[];
  /** CPU time (user + system) the proxy's own processes spent per request, in microseconds (absent for direct legs). */
  proxyCpuUsPerRequest?: number;
  /** CPU time the upstream (the Kubernetes API test server) spent per request, in microseconds. */
  upstreamCpuUsPerRequest: number;
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** A process and its descendants (nginx's and the gateway's workers), from /proc. */
function processTree(pid: number): number[] {
  const out = [pid];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/) : []) out.push(...processTree(Number(child)));
    }
  } catch {
    // Gone meanwhile: nothing more to count.
  }
  return out;
}

/** User + system CPU seconds of a process tree so far. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let ticks = 0;
  for (const each of processTree(pid)) {
    try {
      // Fields after the command (which may hold spaces) start at state; utime and stime are the 12th and 13th of them.
      const fields = readFileSync(`/proc/${each}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
    } catch {
      // Exited between listing and reading.
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** nginx from Debian's nginx-light when the machine lacks it (the issue asks the script to install it). */
function ensureNginx(): void {
  if (existsSync(NGINX)) return;
  process.stderr.write('bench: installing nginx-light (apt-get)\n');
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx-light'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** A Kubernetes API test server as its own process (the CLI in libs/testing), so it does not share the load generator's event loop. */
async function startKubeServerProcess(dir: string): Promise<{ child: ChildProcess; url: string; token: string; kubeconfig: string }> {
  const kubeconfigPath = join(dir, 'bench.kubeconfig');
  const child = spawn(
    process.execPath,
    [
      '-r',
      '@swc-node/register',
      join(ROOT, 'libs/testing/src/kube-server/main.ts'),
      '--port',
      '0',
      '--name',
      CLUSTER,
      '--kubeconfig',
      kubeconfigPath,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.base.json' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await until('kube-server start', async () => (out.includes('kubeconfig written') ? true : null), 60_000);
  const kubeconfig = await readFile(kubeconfigPath, 'utf8');
  const config = parse(kubeconfig) as { clusters: { cluster: { server: string } }[]; users: { user: { token: string } }[] };
  return { child, url: config.clusters[0]?.cluster.server ?? '', token: config.users[0]?.user.token ?? '', kubeconfig };
}

function kubeRequest(url: string, token: string, method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const req = request(
      `${url}${path}`,
      { method, rejectUnauthorized: false, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } },
      (res) => {
        res.resume();
        res.once('end', () => resolveStatus(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** What nginx adds to every request it forwards: nothing (plain), or Cube's credential and impersonation headers. */
interface NginxUpstreamHeaders {
  authorization: string;
  impersonateUser: string;
  impersonateGroups: string[];
}

async function startNginx(
  dir: string,
  name: string,
  upstreamPort: number,
  identity?: NginxUpstreamHeaders,
  workers = 1,
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const prefix = join(dir, name);
  for (const sub of ['', 'client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(prefix, sub), { recursive: true });
  // A plain reverse proxy, tuned as one would for an API: HTTP/1.1 keep-alive upstream, no buffering
  // of the body to disk, no access log (Cube's proxy writes no per-read log line either).
  // The fair leg: fixed headers, as a plain reverse proxy doing Cube's job for one caller would set
  // them (the caller's own Authorization and Impersonate-* replaced), so the member does the same
  // impersonation and RBAC work for nginx's requests as for Cube's.
  const impersonation = identity
    ? [
        `proxy_set_header Authorization "${identity.authorization}";`,
        `proxy_set_header Impersonate-User "${identity.impersonateUser}";`,
        ...identity.impersonateGroups.map((group) => `proxy_set_header Impersonate-Group "${group}";`),
      ]
        .map((line) => `\n      ${line}`)
        .join('')
    : '';
  const config = `
worker_processes ${workers};
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, 'client_body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  upstream kube { server 127.0.0.1:${upstreamPort}; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${port};
    # nginx closes a keep-alive connection after 1000 requests by default (both sides): the client
    # sees that as errors, and the upstream as new TLS handshakes, which no other leg pays.
    keepalive_requests 1000000;
    location / {
      proxy_pass https://kube;
      proxy_http_version 1.1;
      proxy_set_header Connection "";${impersonation}
      proxy_ssl_session_reuse on;
      proxy_ssl_verify off;
      proxy_buffering off;
    }
  }
}
`;
  const file = join(prefix, 'nginx.conf');
  await writeFile(file, config);
  const child = spawn(NGINX, ['-c', file, '-p', prefix, '-e', join(prefix, 'error.log')], { stdio: ['ignore', 'inherit', 'inherit'] });
  await until('nginx', () => answers(port), 10_000, 50);
  return { child, url: `http://127.0.0.1:${port}` };
}

/**
 * The floor for any Node proxy on this machine: a bare http → https keep-alive pass-through in its own
 * process (no authentication, logging or routing), so Cube's own share of the gap to nginx shows.
 */
const BARE_NODE_PROXY = `
const http = require('node:http'); const https = require('node:https');
const [port, upstreamPort] = process.argv.slice(1, 3).map(Number);
const fixed = JSON.parse(process.argv[3] || '{}');
const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
http.createServer((req, res) => {
  const headers = { ...req.headers, ...fixed };
  const up = https.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers, agent }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers); answer.pipe(res);
  });
  up.on('error', () => res.destroy()); req.pipe(up);
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\\n'));
process.on('SIGTERM', () => process.exit(0)); // so that --cpu-prof writes its profile
`;

async function startBareNodeProxy(upstreamPort: number, identity?: NginxUpstreamHeaders): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  // With an identity, the same fixed headers as the impersonating nginx: the floor for a Node proxy doing Cube's job.
  const fixed = identity
    ? {
        authorization: identity.authorization,
        'impersonate-user': identity.impersonateUser,
        'impersonate-group': identity.impersonateGroups,
      }
    : {};
  // Under PROXY_BENCH_CPU_PROF, profiled like Cube's gateways (as bare-node.cpuprofile), for the comparison.
  const profileDir = process.env['PROXY_BENCH_CPU_PROF'];
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`, '--cpu-prof-name=bare-node.cpuprofile'] : [];
  const child = spawn(process.execPath, [...profile, '-e', BARE_NODE_PROXY, String(port), String(upstreamPort), JSON.stringify(fixed)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await until('bare Node proxy', () => answers(port), 10_000, 50);
  return { child, url: `http://127.0.0.1:${port}` };
}

/**
 * One header line per value: autocannon writes an array as one comma-joined line, which the member
 * would read as a single group, so each value gets its own spelling of the name (names are case-blind).
 */
function repeatedHeader(name: string, values: string[]): Record<string, string> {
  const spellings = [name, name.toLowerCase(), name.toUpperCase()];
  if (values.length > spellings.length) throw new Error(`${name}: at most ${spellings.length} values`);
  return Object.fromEntries(values.map((value, i) => [spellings[i] ?? name, value]));
}

interface Leg {
  url: string;
  token: string;
  extraHeaders?: Record<string, string>;
  /** The proxy's process (its workers are found below it); none for the direct legs. */
  pid?: number | undefined;
}

interface RoundResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  proxyCpuSeconds: number;
  upstreamCpuSeconds: number;
}

async function measureOnce(leg: Leg, connections: number, upstreamPid: number | undefined, warmup: boolean): Promise<RoundResult> {
  const options = {
    url: leg.url,
    connections,
    headers: { Authorization: `Bearer ${leg.token}`, Accept: 'application/json', ...(leg.extraHeaders ?? {}) },
  };
  if (warmup) await autocannon({ ...options, duration: WARMUP_S });
  const proxyBefore = cpuSeconds(leg.pid);
  const upstreamBefore = cpuSeconds(upstreamPid);
  const result = await autocannon({ ...options, duration: DURATION_S });
  return {
    requestsPerSecond: round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    proxyCpuSeconds: cpuSeconds(leg.pid) - proxyBefore,
    upstreamCpuSeconds: cpuSeconds(upstreamPid) - upstreamBefore,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/**
 * Every leg, ROUNDS times, interleaved (a b c … a b c …): the machine is shared, and load from other
 * processes that comes and goes would otherwise fall on whichever leg ran at that moment. Per leg:
 * requests/s over all rounds, the median of the rounds' p50 and p99.
 */
async function measureInterleaved<K extends string>(
  legs: Record<K, Leg>,
  connections: number,
  upstreamPid: number | undefined,
): Promise<Record<K, Measured>> {
  const rounds = new Map<K, RoundResult[]>();
  for (let pass = 0; pass < ROUNDS; pass++) {
    for (const [name, leg] of Object.entries(legs) as [K, Leg][]) {
      const measured = await measureOnce(leg, connections, upstreamPid, pass === 0);
      rounds.set(name, [...(rounds.get(name) ?? []), measured]);
    }
  }
  const out = {} as Record<K, Measured>;
  for (const [name, results] of rounds) {
    const requests = results.reduce((sum, r) => sum + r.requests, 0);
    out[name] = {
      requestsPerSecond: round(requests / (DURATION_S * results.length)),
      p50Ms: median(results.map((r) => r.p50Ms)),
      p99Ms: median(results.map((r) => r.p99Ms)),
      requests,
      non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
      perRound: results.map((r) => r.requestsPerSecond),
      ...(legs[name].pid !== undefined
        ? { proxyCpuUsPerRequest: round((1e6 * results.reduce((sum, r) => sum + r.proxyCpuSeconds, 0)) / Math.max(requests, 1)) }
        : {}),
      upstreamCpuUsPerRequest: round((1e6 * results.reduce((sum, r) => sum + r.upstreamCpuSeconds, 0)) / Math.max(requests, 1)),
    };
  }
  return out;
}

export async function run(): Promise<unknown> {
  for (const app of ['gateway', 'clusters', 'identity', 'tenancy', 'audit', 'warden', 'hotplug', 'console']) {
    if (!existsSync(join(ROOT, 'dist/apps', app, 'main.js')))
      throw new Error(`dist/apps/${app}/main.js is missing: npx nx run-many -t build first`);
  }
  ensureNginx();
  const dir = await mkdtemp(join(tmpdir(), 'cube-bench-proxy-'));
  const databaseName = `cube_bench_proxy_${process.pid}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${databaseName}"`);
  await admin.end();
  const databaseUrl = new URL(ADMIN_URL);
  databaseUrl.pathname = `/${databaseName}`;

  const secretKey = randomBytes(32).toString('base64');
  const gateways: ChildProcess[] = [];
  const others: ChildProcess[] = [];
  let kube: Awaited<ReturnType<typeof startKubeServerProcess>> | undefined;
  let nats: LocalNatsServer | undefined;
  let stack: RunningStack | undefined;
  let warden: ChildProcess | undefined;
  try {
    kube = await startKubeServerProcess(dir);
    const upstreamPort = Number(new URL(kube.url).port);
    nats = await LocalNatsServer.start(dir);
    stack = await startStack({
      root: ROOT,
      stateDir: dir,
      env: {
        PATH: process.env['PATH'],
        DATABASE_URL: databaseUrl.toString(),
        NATS_URL: nats.url,
        PORT: '0',
        CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        CUBE_SECRET_KEY: secretKey,
      },
      onLine: () => undefined,
    });
    const gateway = stack.gatewayUrl;
    await until('gateway ready', async () => ((await fetch(`${gateway}/readyz`)).status === 200 ? true : null), 60_000);
    const login = (await (
      await fetch(`${gateway}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      })
    ).json()) as { accessToken: string };
    const cube = { Authorization: `Bearer ${login.accessToken}`, 'Content-Type': 'application/json' };
    const registered = await fetch(`${gateway}/api/v1/clusters`, {
      method: 'POST',
      headers: cube,
      body: JSON.stringify({ name: CLUSTER, kubeconfig: kube.kubeconfig }),
    });
    if (registered.status !== 201) throw new Error(`registering the cluster: ${registered.status} ${await registered.text()}`);
    // A Warden process heartbeats the cluster to `normal`, as in a member cluster.
    const wardenKubeconfig = join(dir, 'warden.kubeconfig');
    await writeFile(wardenKubeconfig, kube.kubeconfig, { mode: 0o600 });
    warden = spawn(process.execPath, [join(ROOT, 'dist/apps/warden/main.js'), '--cluster', CLUSTER, '--kubeconfig', wardenKubeconfig], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    await until(
      'cluster normal',
      async () =>
        ((await (await fetch(`${gateway}/api/v1/clusters/${CLUSTER}`, { headers: cube })).json()) as { status: string }).status === 'normal'
          ? true
          : null,
      60_000,
      250,
    );

    const created = await kubeRequest(kube.url, kube.token, 'POST', '/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'bench', labels: { app: 'bench' } },
      data: { greeting: 'hello', payload: 'x'.repeat(512) },
    });
    if (created !== 201) throw new Error(`creating the ConfigMap: ${created}`);
    // No Cube service syncs platform-scope bindings to ClusterRoleBindings yet, so the bench grants the
    // impersonated Cube admin `view` in the member itself; the member's RBAC still decides each request.
    const bound = await kubeRequest(kube.url, kube.token, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'bench-cube-admin-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'admin' }],
    });
    if (bound !== 201) throw new Error(`binding the Cube admin in the member: ${bound}`);
    // Cube's legs: gateway processes of their own with CUBE_GATEWAY_WORKERS 1 and 2, beside the
    // stack's (which registered the cluster): the same NATS, key and services. PROXY_BENCH_CPU_PROF=<dir>
    // runs them with --cpu-prof (NODE_OPTIONS may not carry it; cluster workers inherit it), and each
    // process writes its profile there when it stops.
    const profileDir = process.env['PROXY_BENCH_CPU_PROF'];
    const startGateway = async (workers: number) => {
      const port = await freePort();
      const child = spawn(
        process.execPath,
        [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : []), join(ROOT, 'dist/apps/gateway/main.js')],
        {
          cwd: ROOT,
          env: {
            PATH: process.env['PATH'],
            NATS_URL: nats?.url,
            PORT: String(port),
            CUBE_SECRET_KEY: secretKey,
            CUBE_GATEWAY_WORKERS: String(workers),
            LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
          },
          stdio: 'ignore',
        },
      );
      gateways.push(child);
      const base = `http://127.0.0.1:${port}`;
      await until(
        `gateway with ${workers} workers ready`,
        async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : null),
        90_000,
      );
      return { child, url: `${base}/api/v1/proxy/clusters/${CLUSTER}${OBJECT_PATH}` };
    };
    const cube1 = await startGateway(1);
    const cube2 = await startGateway(2);
    // Cube's leg presents what kubectl would: the API token of a downloaded kubeconfig.
    const downloaded = await fetch(`${gateway}/api/v1/clusters/${CLUSTER}/kubeconfig`, { headers: cube });
    if (downloaded.status !== 200) throw new Error(`downloading the kubeconfig: ${downloaded.status}`);
    const apiToken = (parse(await downloaded.text()) as { users: { user: { token: string } }[] }).users[0]?.user.token ?? '';
    for (const { url } of [cube1, cube2]) {
      const probe = await fetch(url, { headers: { Authorization: `Bearer ${apiToken}` } });
      if (probe.status !== 200) throw new Error(`GET through Cube's proxy answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);
    }

    // What Cube sends the member for this caller: its credential for the cluster, the caller as
    // Impersonate-User and the caller's groups plus system:authenticated (proxy-headers.ts).
    const claims = JSON.parse(Buffer.from(login.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub: string;
      groups?: string[];
    };
    const identity: NginxUpstreamHeaders = {
      authorization: `Bearer ${kube.token}`,
      impersonateUser: claims.sub,
      impersonateGroups: [...new Set([...(claims.groups ?? []), 'system:authenticated'])],
    };
    const nginx1 = await startNginx(dir, 'nginx-impersonating', upstreamPort, identity, 1);
    const nginx2 = await startNginx(dir, 'nginx-impersonating-2', upstreamPort, identity, 2);
    const plain = await startNginx(dir, 'nginx-plain', upstreamPort);
    const bareImpersonating = await startBareNodeProxy(upstreamPort, identity);
    others.push(nginx1.child, nginx2.child, plain.child, bareImpersonating.child);

    const legs = {
      direct: { url: `${kube.url}${OBJECT_PATH}`, token: kube.token },
      // What the member itself spends on an impersonated request (impersonation check, then RBAC for
      // the impersonated user instead of system:masters): the upstream share of Cube's latency.
      directImpersonating: {
        url: `${kube.url}${OBJECT_PATH}`,
        token: kube.token,
        extraHeaders: { 'Impersonate-User': identity.impersonateUser, ...repeatedHeader('Impersonate-Group', identity.impersonateGroups) },
      },
      cube: { url: cube1.url, token: apiToken, pid: cube1.child.pid },
      cube2Workers: { url: cube2.url, token: apiToken, pid: cube2.child.pid },
      // The caller's own credential is replaced by nginx's fixed Authorization, as Cube replaces it.
      nginx: { url: `${nginx1.url}${OBJECT_PATH}`, token: 'not-forwarded', pid: nginx1.child.pid },
      nginx2Workers: { url: `${nginx2.url}${OBJECT_PATH}`, token: 'not-forwarded', pid: nginx2.child.pid },
      nginxPlain: { url: `${plain.url}${OBJECT_PATH}`, token: kube.token, pid: plain.child.pid },
      bareNodeImpersonating: { url: `${bareImpersonating.url}${OBJECT_PATH}`, token: 'not-forwarded', pid: bareImpersonating.child.pid },
    };
    const upstreamPid = kube.child.pid;
    const byConnections: Record<string, unknown> = {};
    const summary: string[] = [];
    for (const connections of CONNECTIONS) {
      const loadBefore = loadavg()[0] ?? 0;
      const m = await measureInterleaved(legs, connections, upstreamPid);
      const ratios = {
        cubeToNginxThroughput: round(m.cube.requestsPerSecond / m.nginx.requestsPerSecond),
        cube2WorkersToNginx2WorkersThroughput: round(m.cube2Workers.requestsPerSecond / m.nginx2Workers.requestsPerSecond),
        cubeToPlainNginxThroughput: round(m.cube.requestsPerSecond / m.nginxPlain.requestsPerSecond),
        cubeToDirectThroughput: round(m.cube.requestsPerSecond / m.direct.requestsPerSecond),
        cubeAddedP50MsVsDirect: round(m.cube.p50Ms - m.direct.p50Ms),
        cubeAddedP99MsVsDirect: round(m.cube.p99Ms - m.direct.p99Ms),
        cube2WorkersAddedP50MsVsDirect: round(m.cube2Workers.p50Ms - m.direct.p50Ms),
        cube2WorkersAddedP99MsVsDirect: round(m.cube2Workers.p99Ms - m.direct.p99Ms),
        nginxAddedP50MsVsDirect: round(m.nginx.p50Ms - m.direct.p50Ms),
        nginxAddedP99MsVsDirect: round(m.nginx.p99Ms - m.direct.p99Ms),
        cubeAddedP50MsVsDirectImpersonating: round(m.cube.p50Ms - m.directImpersonating.p50Ms),
        cubeToBareNodeImpersonatingThroughput: round(m.cube.requestsPerSecond / m.bareNodeImpersonating.requestsPerSecond),
        bareNodeImpersonatingToNginxThroughput: round(m.bareNodeImpersonating.requestsPerSecond / m.nginx.requestsPerSecond),
        cubeCpuPerRequestToNginx: round((m.cube.proxyCpuUsPerRequest ?? 0) / (m.nginx.proxyCpuUsPerRequest || 1)),
      };
      byConnections[String(connections)] = {
        loadAverage1mBefore: round(loadBefore),
        loadAverage1mAfter: round(loadavg()[0] ?? 0),
        ...m,
        ratios,
      };
      const rows = [
        ['', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'proxy CPU µs/req'],
        ...(Object.entries(m) as [string, Measured][]).map(([name, x]) => [
          name,
          String(x.requestsPerSecond),
          String(x.p50Ms),
          String(x.p99Ms),
          String(x.requests),
          String(x.non2xx + x.errors),
          x.proxyCpuUsPerRequest === undefined ? '-' : String(x.proxyCpuUsPerRequest),
        ]),
      ];
      const table = rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(24) : cell.padStart(12))).join('')).join('\n');
      const line =
        `${connections} connections (load ${round(loadBefore)} → ${round(loadavg()[0] ?? 0)}): cube/nginx ${ratios.cubeToNginxThroughput} (1 worker), ` +
        `${ratios.cube2WorkersToNginx2WorkersThroughput} (2 workers) (target >= 0.8); cube added p50 ${ratios.cubeAddedP50MsVsDirect} ms, p99 ${ratios.cubeAddedP99MsVsDirect} ms vs direct (targets <= 1, <= 3)`;
      process.stdout.write(`${table}\n${line}\n`);
      summary.push(line);
    }

    const result = {
      at: new Date().toISOString(),
      request: `GET ${OBJECT_PATH}`,
      cubeCredential: 'API token from GET /api/v1/clusters/{cluster}/kubeconfig (as kubectl presents it)',
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      rounds: ROUNDS,
      warmupSeconds: WARMUP_S,
      machine: {
        cpus: cpus().length,
        node: process.version,
        note: 'shared machine: compare legs of one run (interleaved rounds), not runs',
      },
      legs: {
        direct: 'straight to the Kubernetes API test server (its admin token)',
        directImpersonating: 'straight, with the impersonation headers Cube sends',
        cube: "Cube's gateway, CUBE_GATEWAY_WORKERS=1",
        cube2Workers: "Cube's gateway, CUBE_GATEWAY_WORKERS=2",
        nginx: 'nginx worker_processes 1, setting the credential and impersonation headers Cube sets',
        nginx2Workers: 'the same nginx with worker_processes 2',
        nginxPlain: 'nginx worker_processes 1 passing requests through unchanged',
        bareNodeImpersonating: 'a bare Node http → https keep-alive proxy setting the same headers (no authentication, logging or routing)',
      },
      upstreamImpersonation: { user: identity.impersonateUser, groups: identity.impersonateGroups },
      byConnections,
      summary,
      target: { cubeToNginxThroughput: '>= 0.8 (same number of workers)', cubeAddedP50MsVsDirect: '<= 1', cubeAddedP99MsVsDirect: '<= 3' },
    };
    await mkdir(join(__dirname, 'results'), { recursive: true });
    await writeFile(join(__dirname, 'results', 'proxy.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    for (const child of [...others, ...gateways]) await stopChild(child);
    await stopChild(warden);
    await stack?.stop();
    await nats?.stop();
    await stopChild(kube?.child);
    const cleanup = new Client({ connectionString: ADMIN_URL });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await cleanup.end();
    await rm(dir, { recursive: true, force: true });
  }
}
