// Native API proxy benchmark: the same GET of one ConfigMap, at the same concurrency and for the
// same time, (1) straight to a Kubernetes API test server, (2) through Cube's proxy, (3) through
// nginx as a plain reverse proxy that sets the same credential and impersonation headers as Cube (so
// the upstream does the same work), plus nginx passing requests through unchanged, a bare Node proxy
// and direct requests with impersonation headers. Everything on loopback; each process its own.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { cpus, tmpdir } from 'node:os';
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
const CONNECTIONS = Number(process.env['PROXY_BENCH_CONNECTIONS'] ?? 16);
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
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'nginx-light'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** A Kubernetes API test server as its own process (the CLI in libs/testing), so it does not share the load generator's event loop. */
async function startKubeServerProcess(dir: string): Promise<{ child: ChildProcess; url: string; token: string; kubeconfig: string }> {
  const kubeconfigPath = join(dir, 'bench.kubeconfig');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'libs/testing/src/kube-server/main.ts'), '--port', '0', '--name', CLUSTER, '--kubeconfig', kubeconfigPath], {
    cwd: ROOT,
    env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.base.json' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await until('kube-server start', async () => (out.includes('kubeconfig written') ? true : null), 60_000);
  const kubeconfig = await readFile(kubeconfigPath, 'utf8');
  const config = parse(kubeconfig) as { clusters: { cluster: { server: string } }[]; users: { user: { token: string } }[] };
  return { child, url: config.clusters[0]?.cluster.server ?? '', token: config.users[0]?.user.token ?? '', kubeconfig };
}

function kubeRequest(url: string, token: string, method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const req = request(`${url}${path}`, { method, rejectUnauthorized: false, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.once('end', () => resolveStatus(res.statusCode ?? 0));
    });
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

async function startNginx(dir: string, name: string, upstreamPort: number, identity?: NginxUpstreamHeaders): Promise<{ child: ChildProcess; url: string }> {
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
worker_processes 1;
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
`;

async function startBareNodeProxy(upstreamPort: number, identity?: NginxUpstreamHeaders): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  // With an identity, the same fixed headers as the impersonating nginx: the floor for a Node proxy doing Cube's job.
  const fixed = identity ? { authorization: identity.authorization, 'impersonate-user': identity.impersonateUser, 'impersonate-group': identity.impersonateGroups } : {};
  const child = spawn(process.execPath, ['-e', BARE_NODE_PROXY, String(port), String(upstreamPort), JSON.stringify(fixed)], { stdio: ['ignore', 'ignore', 'inherit'] });
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
}

type RoundResult = Omit<Measured, 'perRound'>;

async function measureOnce(leg: Leg, warmup: boolean): Promise<RoundResult> {
  const options = { url: leg.url, connections: CONNECTIONS, headers: { Authorization: `Bearer ${leg.token}`, Accept: 'application/json', ...(leg.extraHeaders ?? {}) } };
  if (warmup) await autocannon({ ...options, duration: WARMUP_S });
  const result = await autocannon({ ...options, duration: DURATION_S });
  return {
    requestsPerSecond: round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
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
async function measureInterleaved<K extends string>(legs: Record<K, Leg>): Promise<Record<K, Measured>> {
  const rounds = new Map<K, RoundResult[]>();
  for (let pass = 0; pass < ROUNDS; pass++) {
    for (const [name, leg] of Object.entries(legs) as [K, Leg][]) {
      const measured = await measureOnce(leg, pass === 0);
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
    };
  }
  return out;
}

export async function run(): Promise<unknown> {
  for (const app of ['gateway', 'clusters', 'identity', 'tenancy', 'audit', 'warden', 'hotplug', 'console']) {
    if (!existsSync(join(ROOT, 'dist/apps', app, 'main.js'))) throw new Error(`dist/apps/${app}/main.js is missing: npx nx run-many -t build first`);
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
  let profiled: ChildProcess | undefined;
  let bareNode: ChildProcess | undefined;
  let bareNodeImpersonating: ChildProcess | undefined;
  let kube: Awaited<ReturnType<typeof startKubeServerProcess>> | undefined;
  let nats: LocalNatsServer | undefined;
  let stack: RunningStack | undefined;
  let warden: ChildProcess | undefined;
  let nginx: ChildProcess | undefined;
  let nginxPlain: ChildProcess | undefined;
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
      await fetch(`${gateway}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) })
    ).json()) as { accessToken: string };
    const cube = { Authorization: `Bearer ${login.accessToken}`, 'Content-Type': 'application/json' };
    const registered = await fetch(`${gateway}/api/v1/clusters`, { method: 'POST', headers: cube, body: JSON.stringify({ name: CLUSTER, kubeconfig: kube.kubeconfig }) });
    if (registered.status !== 201) throw new Error(`registering the cluster: ${registered.status} ${await registered.text()}`);
    // A Warden process heartbeats the cluster to `normal`, as in a member cluster.
    const wardenKubeconfig = join(dir, 'warden.kubeconfig');
    await writeFile(wardenKubeconfig, kube.kubeconfig, { mode: 0o600 });
    warden = spawn(process.execPath, [join(ROOT, 'dist/apps/warden/main.js'), '--cluster', CLUSTER, '--kubeconfig', wardenKubeconfig], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    await until('cluster normal', async () => (((await (await fetch(`${gateway}/api/v1/clusters/${CLUSTER}`, { headers: cube })).json()) as { status: string }).status === 'normal' ? true : null), 60_000, 250);

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
    // PROXY_BENCH_CPU_PROF=<dir>: Cube's leg goes through one more gateway process run with
    // --cpu-prof (NODE_OPTIONS may not carry it), which writes its profile there when it stops.
    const profileDir = process.env['PROXY_BENCH_CPU_PROF'];
    let cubeBase = gateway;
    if (profileDir) {
      const port = await freePort();
      profiled = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`, join(ROOT, 'dist/apps/gateway/main.js')], {
        cwd: ROOT,
        env: { PATH: process.env['PATH'], NATS_URL: nats.url, PORT: String(port), CUBE_SECRET_KEY: secretKey, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info' },
        stdio: 'ignore',
      });
      cubeBase = `http://127.0.0.1:${port}`;
      await until('profiled gateway ready', async () => ((await fetch(`${cubeBase}/readyz`)).status === 200 ? true : null), 60_000);
    }
    const cubeUrl = `${cubeBase}/api/v1/proxy/clusters/${CLUSTER}${OBJECT_PATH}`;
    // Cube's leg presents what kubectl would: the API token of a downloaded kubeconfig.
    const downloaded = await fetch(`${gateway}/api/v1/clusters/${CLUSTER}/kubeconfig`, { headers: cube });
    if (downloaded.status !== 200) throw new Error(`downloading the kubeconfig: ${downloaded.status}`);
    const apiToken = (parse(await downloaded.text()) as { users: { user: { token: string } }[] }).users[0]?.user.token ?? '';
    const probe = await fetch(cubeUrl, { headers: { Authorization: `Bearer ${apiToken}` } });
    if (probe.status !== 200) throw new Error(`GET through Cube's proxy answered ${probe.status}: ${(await probe.text()).slice(0, 300)}`);

    // What Cube sends the member for this caller: its credential for the cluster, the caller as
    // Impersonate-User and the caller's groups plus system:authenticated (proxy-headers.ts).
    const claims = JSON.parse(Buffer.from(login.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string; groups?: string[] };
    const identity: NginxUpstreamHeaders = {
      authorization: `Bearer ${kube.token}`,
      impersonateUser: claims.sub,
      impersonateGroups: [...new Set([...(claims.groups ?? []), 'system:authenticated'])],
    };
    const impersonating = await startNginx(dir, 'nginx-impersonating', upstreamPort, identity);
    nginx = impersonating.child;
    const plain = await startNginx(dir, 'nginx-plain', upstreamPort);
    nginxPlain = plain.child;

    const bare = await startBareNodeProxy(upstreamPort);
    bareNode = bare.child;
    const bareImpersonating = await startBareNodeProxy(upstreamPort, identity);
    bareNodeImpersonating = bareImpersonating.child;
    const measured = await measureInterleaved({
      direct: { url: `${kube.url}${OBJECT_PATH}`, token: kube.token },
      cube: { url: cubeUrl, token: apiToken },
      // The caller's own credential is replaced by nginx's fixed Authorization, as Cube replaces it.
      nginx: { url: `${impersonating.url}${OBJECT_PATH}`, token: 'not-forwarded' },
      nginxPlain: { url: `${plain.url}${OBJECT_PATH}`, token: kube.token },
      bareNode: { url: `${bare.url}${OBJECT_PATH}`, token: kube.token },
      bareNodeImpersonating: { url: `${bareImpersonating.url}${OBJECT_PATH}`, token: 'not-forwarded' },
      // What the member itself spends on an impersonated request (impersonation check, then RBAC for
      // the impersonated user instead of system:masters): the upstream share of Cube's latency.
      directImpersonating: {
        url: `${kube.url}${OBJECT_PATH}`,
        token: kube.token,
        extraHeaders: { 'Impersonate-User': identity.impersonateUser, ...repeatedHeader('Impersonate-Group', identity.impersonateGroups) },
      },
    });
    const { direct, cube: viaCube, nginx: viaNginx, nginxPlain: viaPlainNginx, bareNode: viaBareNode, bareNodeImpersonating: viaBareNodeImpersonating, directImpersonating } = measured;

    const result = {
      at: new Date().toISOString(),
      request: `GET ${OBJECT_PATH}`,
      cubeCredential: 'API token from GET /api/v1/clusters/{cluster}/kubeconfig (as kubectl presents it)',
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      rounds: ROUNDS,
      warmupSeconds: WARMUP_S,
      machine: { cpus: cpus().length, node: process.version },
      direct,
      cube: viaCube,
      upstreamImpersonation: { user: identity.impersonateUser, groups: identity.impersonateGroups },
      nginx: viaNginx,
      nginxPlain: viaPlainNginx,
      directImpersonating,
      bareNodeProxy: viaBareNode,
      bareNodeProxyImpersonating: viaBareNodeImpersonating,
      ratios: {
        cubeToNginxThroughput: round(viaCube.requestsPerSecond / viaNginx.requestsPerSecond),
        cubeToPlainNginxThroughput: round(viaCube.requestsPerSecond / viaPlainNginx.requestsPerSecond),
        cubeToDirectThroughput: round(viaCube.requestsPerSecond / direct.requestsPerSecond),
        cubeAddedP50MsVsDirect: round(viaCube.p50Ms - direct.p50Ms),
        cubeAddedP50MsVsNginx: round(viaCube.p50Ms - viaNginx.p50Ms),
        cubeAddedP50MsVsPlainNginx: round(viaCube.p50Ms - viaPlainNginx.p50Ms),
        nginxAddedP50MsVsDirect: round(viaNginx.p50Ms - direct.p50Ms),
        nginxAddedP50MsVsDirectImpersonating: round(viaNginx.p50Ms - directImpersonating.p50Ms),
        cubeAddedP50MsVsDirectImpersonating: round(viaCube.p50Ms - directImpersonating.p50Ms),
        cubeToDirectImpersonatingThroughput: round(viaCube.requestsPerSecond / directImpersonating.requestsPerSecond),
        // Cube against the same job done by the least a Node proxy can do, and that floor against nginx.
        cubeToBareNodeImpersonatingThroughput: round(viaCube.requestsPerSecond / viaBareNodeImpersonating.requestsPerSecond),
        bareNodeImpersonatingToNginxThroughput: round(viaBareNodeImpersonating.requestsPerSecond / viaNginx.requestsPerSecond),
      },
      target: { cubeToNginxThroughput: '>= 0.8', cubeAddedP50MsVsDirect: '<= 1' },
    };
    const rows = [
      ['', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx'],
      ...(
        [
          ['direct', direct],
          ['cube', viaCube],
          ['nginx (impersonating)', viaNginx],
          ['nginx (plain)', viaPlainNginx],
          ['direct+impersonation', directImpersonating],
          ['bare Node proxy', viaBareNode],
          ['bare Node (impersonating)', viaBareNodeImpersonating],
        ] as const
      ).map(([name, m]) => [name, String(m.requestsPerSecond), String(m.p50Ms), String(m.p99Ms), String(m.requests), String(m.non2xx + m.errors)]),
    ];
    process.stdout.write(`${rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(26) : cell.padStart(10))).join('')).join('\n')}\n`);
    process.stdout.write(
      `cube/nginx throughput ${result.ratios.cubeToNginxThroughput} (target >= 0.8; ${result.ratios.cubeToPlainNginxThroughput} vs plain nginx); cube added p50 ${result.ratios.cubeAddedP50MsVsDirect} ms vs direct, ${result.ratios.cubeAddedP50MsVsNginx} ms vs nginx (target <= 1 ms)\n`,
    );
    await mkdir(join(__dirname, 'results'), { recursive: true });
    await writeFile(join(__dirname, 'results', 'proxy.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await stopChild(nginx);
    await stopChild(nginxPlain);
    await stopChild(profiled);
    await stopChild(bareNode);
    await stopChild(bareNodeImpersonating);
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
