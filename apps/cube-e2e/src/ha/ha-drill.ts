// The HA drill (`npm run drill -- ha`, and bounded in ha-drill.spec.ts): two replicas of the gateway and of
// every control-plane service on one PostgreSQL and a 3-node JetStream cluster, under steady mixed load,
// while one replica of each is killed (-9) in turn, then a NATS node, then all of them are restarted.
// It measures what clients saw and checks what must hold afterwards: audit chain and counts, events by
// id, the quota ledger, desired state in the member cluster, and /readyz through the outage.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, JSONCodec } from 'nats';
import { Client } from 'pg';
import { CUBE_SERVICES } from '@cube/contracts';
import { natsAuthOptions, NatsCredentialsEnvironment } from '@cube/messaging';
import { PrivateNatsCluster } from '@cube/messaging/testing';
import { freePort, RunningStack, startStack, StackProcess } from '@cube/dev-stack';
import { KubeServer, startKubeServer } from '@cube/testing';
import { createTestDatabase, eventually, gatewayClient, Json, ROOT, tempDir, until } from '../support';

const CLUSTER = 'ha-member';
const TENANT = 'ha';
const PROJECT = 'load';
const ADMIN_PASSWORD = 'Ha-Drill-Passphrase-2026';
/** Pods per namespace and for the tenant: 5 namespaces fit while the clients want up to two each, so creates compete for the last room. */
const NAMESPACE_PODS = 3;
const TENANT_PODS = 15;

export const HA_SERVICES = CUBE_SERVICES.filter((service) => service !== 'warden');
type HaService = (typeof HA_SERVICES)[number];
type Replica = StackProcess | `${HaService | 'gateway'}-b`;
type Operation = 'login' | 'tenant-write' | 'namespace-write' | 'proxy-get' | 'audit-query';

export interface HaDrillOptions {
  /** Seconds of steady load; the kills are spread over its first two thirds. */
  loadSeconds: number;
  /** Concurrent clients. */
  clients: number;
  /**
   * Services run twice and killed once each, in order after the gateway (every one by default); the others
   * run once. The console (not called by the load) is then left without any replica, for /readyz.
   */
  services?: readonly HaService[];
  /** Lines of the drill's own progress. */
  progress?: (line: string) => void;
}

interface Exchange {
  op: Operation;
  gateway: string;
  started: number;
  ended: number;
  /** HTTP status; 0 when the connection failed. */
  status: number;
  error?: string;
  requestId: string;
  path: string;
  /** The tenant or namespace a create names. */
  creates?: { kind: 'tenant' | 'namespace'; name: string };
}

interface Disruption {
  target: string;
  process: string;
  at: number;
  /** Requests in flight when it died (through that gateway, for a gateway; anywhere otherwise), and the failures among them. */
  inFlight: number;
  failed: number;
  /** From the kill to the first success of a request sent after it. */
  takeoverMs: number | null;
}

export interface HaDrillResult {
  loadSeconds: number;
  clients: number;
  replicas: Record<string, number>;
  natsNodes: number;
  requests: { total: number; byOperation: Record<string, Record<string, number>>; rerouted: number };
  /**
   * 5xx and broken connections: in flight on a killed process (or sent within 2 s of the kill), failures of
   * the never-disrupted member cluster's connection, and the rest (`afterTakeover`, which must be none).
   */
  errors: {
    total: number;
    confinedToKilled: number;
    memberCluster: string[];
    afterTakeover: number;
    unexplained: string[];
    examples: string[];
  };
  disruptions: Disruption[];
  /** `degradedAfterMs` from emptying a service, `recoveredAfterMs` from the restarts until /readyz answers 200. */
  readyz: { degradedSeen: boolean; degradedBody: Json | null; degradedAfterMs: number | null; recoveredAfterMs: number | null };
  audit: { expected: number; found: number; lost: number; duplicated: number; chain: Json };
  events: { expected: number; found: number; lost: number; duplicated: number; total: number };
  quota: { hard: number; allocated: number; sumOfNamespaces: number; namespaces: number; overAllocated: boolean };
  /** From the moment every restarted process is back (/readyz 200) and the load answered, and from the end of the load. */
  desiredState: { namespaces: number; convergedAfterLastRestartMs: number | null; convergedAfterLoadMs: number | null };
  seconds: number;
}

/** Where a failed fetch never reached the gateway (nothing was sent): a balancer may try the next one. */
function neverConnected(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNREFUSED';
}

/** Two gateways behind the tiniest round robin: a refused connection goes to the next one, as a balancer does. */
class RoundRobin {
  private readonly urls = new Map<string, string>();
  private next = 0;
  rerouted = 0;

  /**
   * A (re)started gateway joins the rotation once its /readyz has said 200, as a Kubernetes Service admits a
   * pod after its readiness probe passes (its HTTP port opens before its NATS connection is up). Once in, it
   * stays until it dies: the balancer keeps no health check of its own.
   */
  async admitOnceReady(name: string, url: string): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const status = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) }).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) {
        this.urls.set(name, url);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  size(): number {
    return this.urls.size;
  }

  /** One gateway's URL, for the drill's own calls before and after the load. */
  any(): string {
    return [...this.urls.values()][0] as string;
  }

  async fetch(path: string, init: RequestInit): Promise<{ gateway: string; response: Response }> {
    const names = [...this.urls.keys()].sort();
    const first = this.next++;
    let lastError: unknown;
    for (let attempt = 0; attempt < names.length; attempt++) {
      const name = names[(first + attempt) % names.length] as string;
      try {
        return { gateway: name, response: await fetch(`${this.urls.get(name)}${path}`, init) };
      } catch (error: unknown) {
        lastError = error;
        if (!neverConnected(error)) throw Object.assign(new Error(String(error)), { gateway: name, cause: error });
        this.rerouted += 1;
      }
    }
    throw Object.assign(new Error(`no gateway accepted the connection: ${String(lastError)}`), { gateway: 'none' });
  }
}

export async function runHaDrill(options: HaDrillOptions): Promise<HaDrillResult> {
  const began = Date.now();
  const progress = (line: string) => options.progress?.(`${((Date.now() - began) / 1000).toFixed(1).padStart(6)} s  ${line}`);
  const state = await tempDir('cube-ha-drill');
  const database = await createTestDatabase('cube_ha_drill');
  const nats = await PrivateNatsCluster.start(3);
  const member = await startKubeServer({ name: CLUSTER });
  const lastLines: string[] = [];
  const balancer = new RoundRobin();
  const noted = (line: string) => {
    lastLines.push(line);
    if (lastLines.length > 300) lastLines.shift();
    const listening = /^\[(gateway(?:-b)?)\] .*listening on (https?:\/\/[^\s"]+)/.exec(line);
    if (listening?.[1] && listening[2]) void balancer.admitOnceReady(listening[1], listening[2]);
  };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    DATABASE_URL: database.url,
    NATS_URL: nats.url,
    PORT: '0',
    LOG_LEVEL: 'warn',
    CUBE_JETSTREAM_REPLICAS: '3',
    // As in the test stacks: a drill on a shared machine judges answers, not latency (a login's argon2 under
    // a load of 16 processes can take seconds). A request stranded on a killed replica fails at this deadline.
    CUBE_REQUEST_TIMEOUT_MS: '30000',
    CUBE_READY_TIMEOUT_MS: '2000',
    CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    CUBE_ADMIN_PASSWORD_FILE: join(state.path, 'admin-password'),
    CUBE_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    CUBE_HEARTBEAT_TIMEOUT: '30',
  };
  let running: RunningStack | undefined;
  try {
    // Replica a of everything through the launcher (it runs the migrations once, then waits for /readyz)...
    running = await startStack({ root: ROOT, stateDir: state.path, env, onLine: noted, restartBackoff: { initialMs: 500, maxMs: 2000 } });
    await running.ready;
    const stack = running;
    // ...then replica b of the gateway and of every service, on the same database and NATS cluster.
    const specOf = (name: Replica) => ({
      name,
      command: process.execPath,
      args: [join(ROOT, 'dist/apps', name.replace(/-b$/, ''), 'main.js')],
      cwd: ROOT,
      env,
    });
    const replicated = options.services ?? HA_SERVICES;
    const replicasB = [...replicated, 'gateway'].map((name) => `${name}-b` as Replica);
    for (const name of replicasB) stack.supervisor.start(specOf(name));
    await until('the second gateway listens', async () => balancer.size() === 2, 120_000);
    for (const name of replicasB) {
      if (name === 'gateway-b') continue;
      await until(
        `${name} listens on NATS`,
        async () => lastLines.some((l) => l.startsWith(`[${name}] `)) || stack.supervisor.running(name),
        60_000,
      );
    }
    progress(`stack up: 2 × (gateway + ${replicated.join(', ')}) on a 3-node NATS cluster`);

    // The member cluster and its Warden, a tenant with a quota there, a project for the load.
    const api = gatewayClient(() => balancer.any());
    const admin = await eventually('admin login', 60_000, async () => {
      const reply = await api.login('admin', ADMIN_PASSWORD);
      return reply.status === 200 ? String(reply.body['accessToken']) : undefined;
    });
    const registered = await api.call('POST', '/api/v1/clusters', { token: admin, body: { name: CLUSTER, kubeconfig: member.kubeconfig } });
    if (registered.status !== 201) throw new Error(`register ${CLUSTER}: ${registered.status} ${registered.text}`);
    const kubeconfigFile = join(state.path, `${CLUSTER}.kubeconfig`);
    await writeFile(kubeconfigFile, member.kubeconfig, { mode: 0o600 });
    const webhookPort = await freePort();
    stack.supervisor.start({
      name: 'warden-member',
      command: process.execPath,
      args: [
        join(ROOT, 'dist/apps/warden/main.js'),
        '--cluster',
        CLUSTER,
        '--kubeconfig',
        kubeconfigFile,
        '--webhook-port',
        String(webhookPort),
      ].concat(['--state-dir', join(state.path, 'warden-state')]),
      cwd: ROOT,
      env: { PATH: process.env['PATH'], LOG_LEVEL: 'warn', CUBE_HEARTBEAT_INTERVAL: '1', ...natsCredentialVariables(env) },
    });
    await until(
      `${CLUSTER} normal`,
      async () => (await api.call('GET', `/api/v1/clusters/${CLUSTER}`, { token: admin })).body?.['status'] === 'normal',
      90_000,
    );
    progress(`${CLUSTER} registered, its Warden heartbeats`);
    await expectStatus(api.call('POST', '/api/v1/tenants', { token: admin, body: { name: TENANT } }), 201, 'create tenant');
    await expectStatus(
      api.call('PUT', `/api/v1/tenants/${TENANT}/quotas/${CLUSTER}`, { token: admin, body: { hard: { pods: String(TENANT_PODS) } } }),
      200,
      'tenant quota',
    );
    await expectStatus(api.call('POST', `/api/v1/tenants/${TENANT}/projects`, { token: admin, body: { name: PROJECT } }), 201, 'project');

    // Steady mixed load from `clients` clients until the deadline.
    const exchanges: Exchange[] = [];
    const inFlight = new Set<{ started: number; gateway: string }>();
    const loadStarted = Date.now();
    const loadEnds = loadStarted + options.loadSeconds * 1000;
    const send = async (
      op: Operation,
      method: string,
      path: string,
      body?: unknown,
      token: string | null = admin,
      creates?: Exchange['creates'],
    ): Promise<Exchange> => {
      const requestId = `ha-${randomUUID()}`;
      const started = Date.now();
      const entry = { started, gateway: '?' };
      inFlight.add(entry);
      const headers: Record<string, string> = { 'X-Request-Id': requestId };
      if (token) headers['Authorization'] = `Bearer ${token}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let exchange: Exchange;
      try {
        const { gateway, response } = await balancer.fetch(path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
        entry.gateway = gateway;
        const text = await response.text();
        exchange = { op, gateway, started, ended: Date.now(), status: response.status, requestId, path: `${method} ${path}`, creates };
        if (response.status >= 500) exchange.error = text.slice(0, 300);
      } catch (error: unknown) {
        const gateway = (error as { gateway?: string }).gateway ?? '?';
        exchange = {
          op,
          gateway,
          started,
          ended: Date.now(),
          status: 0,
          error: String(error),
          requestId,
          path: `${method} ${path}`,
          creates,
        };
      }
      inFlight.delete(entry);
      exchanges.push(exchange);
      return exchange;
    };
    const client = async (index: number) => {
      const mine: string[] = [];
      // Each client starts at another operation, so the first second is not six logins at once.
      for (let n = index; Date.now() < loadEnds; n++) {
        switch (n % 5) {
          case 0:
            await send('login', 'POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD }, null);
            break;
          case 1: {
            // A namespace of its own while the tenant has room; the oldest goes once it holds two.
            if (mine.length >= 2) {
              const name = mine.shift() as string;
              const gone = await send(
                'namespace-write',
                'DELETE',
                `/api/v1/tenants/${TENANT}/projects/${PROJECT}/namespaces/${CLUSTER}/${name}`,
              );
              if (gone.status !== 204 && gone.status !== 404) mine.unshift(name);
            } else {
              const name = `ha-${index}-${n}`;
              const made = await send(
                'namespace-write',
                'POST',
                `/api/v1/tenants/${TENANT}/projects/${PROJECT}/namespaces`,
                { name, cluster: CLUSTER, quota: { hard: { pods: String(NAMESPACE_PODS) } } },
                admin,
                { kind: 'namespace', name },
              );
              if (made.status === 201) mine.push(name);
            }
            break;
          }
          case 2:
            await send('proxy-get', 'GET', `/api/v1/proxy/clusters/${CLUSTER}/api/v1/namespaces?limit=5`);
            break;
          case 3:
            await send('audit-query', 'GET', '/api/v1/audit/events?limit=5');
            break;
          case 4: {
            if (n % 15 === 4) {
              const name = `ha-t-${index}-${n}`;
              await send('tenant-write', 'POST', '/api/v1/tenants', { name }, admin, { kind: 'tenant', name });
            } else {
              await send('tenant-write', 'PATCH', `/api/v1/tenants/${TENANT}`, { description: `load ${index}-${n}` });
            }
            break;
          }
        }
      }
    };
    progress(`load: ${options.clients} clients for ${options.loadSeconds} s`);
    const load = Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)));

    // The disruptions, spread over the first two thirds of the load.
    const targets: readonly (HaService | 'gateway')[] = ['gateway', ...replicated];
    const steps = targets.length + 2;
    const gapMs = Math.max(500, Math.floor((options.loadSeconds * 1000 * 2) / 3 / (steps + 1)));
    const killed: Replica[] = [];
    const disruptions: Disruption[] = [];
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const readyzOf = async () => {
      const { response } = await balancer.fetch('/readyz', { signal: AbortSignal.timeout(10_000) });
      return { status: response.status, body: (await response.json()) as Json };
    };
    const kill = async (target: string, name: Replica | `nats-${number}`, stop: () => Promise<void>) => {
      const at = Date.now();
      const flying = [...inFlight].filter((entry) => target !== 'gateway' || entry.gateway === name).length;
      await stop();
      disruptions.push({ target, process: name, at, inFlight: flying, failed: 0, takeoverMs: null });
      progress(`killed ${name}`);
    };
    const killReplica = (name: Replica) => async () => {
      const pid = stack.supervisor.pid(name);
      if (pid) process.kill(pid, 'SIGKILL');
      await stack.supervisor.stop(name);
    };
    await pause(gapMs);
    targets.forEach((target, i) => {
      // Alternate which replica dies, so each replica set loses its first and its second member somewhere.
      killed.push((i % 2 === 0 ? `${target}-b` : target) as Replica);
    });
    for (const [i, target] of targets.entries()) {
      await kill(target, killed[i] as Replica, killReplica(killed[i] as Replica));
      await pause(gapMs);
    }
    const natsNode = 1;
    await kill('nats', `nats-${natsNode}`, () => nats.kill(natsNode));
    await pause(gapMs);

    // No replica of one service at all: /readyz turns degraded naming it, the rest keeps serving.
    const lonely: HaService = 'console';
    const survivor = (killed.includes(lonely) ? `${lonely}-b` : lonely) as Replica;
    const emptied = Date.now();
    await killReplica(survivor)();
    let degradedBody: Json | null = null;
    let degradedAfterMs: number | null = null;
    await until(
      '/readyz degraded',
      async () => {
        const ready = await readyzOf().catch(() => undefined);
        if (ready?.status === 503 && ready.body['status'] === 'degraded') {
          degradedBody = ready.body;
          degradedAfterMs = Date.now() - emptied;
          return true;
        }
        return false;
      },
      20_000,
    ).catch(() => undefined);

    // Everything back: the killed replicas (the launcher's own through it), the emptied service, the NATS node.
    const restarted = Date.now();
    await nats.restart(natsNode);
    for (const name of [...killed, survivor]) {
      if ((STACK_NAMES as readonly string[]).includes(name)) await stack.startProcess(name as StackProcess);
      else stack.supervisor.start(specOf(name));
    }
    progress(
      `/readyz ${degradedBody ? `degraded after ${degradedAfterMs} ms` : 'never degraded'}; restarted ${[...killed, survivor].join(', ')} and nats-${natsNode}`,
    );
    await until('/readyz ready again', async () => (await readyzOf().catch(() => undefined))?.status === 200, 120_000);
    const backAt = Date.now();
    const recoveredAfterMs = backAt - restarted;
    progress(`/readyz ready again after ${recoveredAfterMs} ms`);
    await until('both gateways listen again', async () => balancer.size() === 2, 60_000);
    await load;
    const loadEnded = Date.now();
    progress(`load done: ${exchanges.length} requests`);

    // Client errors: each must have been in flight on a killed process (or on the killed NATS node).
    const failures = exchanges.filter((e) => e.status === 0 || e.status >= 500);
    const graceMs = 2000;
    const explained = (e: Exchange) =>
      disruptions.some((d) => e.started <= d.at + graceMs && e.ended >= d.at && (d.target !== 'gateway' || e.gateway === d.process)) ||
      false;
    // The member cluster is never disrupted: a proxy GET its API server answered with a reset (a keep-alive
    // socket closed under the gateway) is the proxy path's own failure, counted apart from the control plane's.
    const fromMember = (e: Exchange) => e.op === 'proxy-get' && e.status === 503 && /"kind":"Status".*is not reachable/.test(e.error ?? '');
    const unexplained = failures.filter((e) => !explained(e) && !fromMember(e));
    for (const d of disruptions) {
      d.failed = failures.filter(
        (e) => e.started <= d.at + graceMs && e.ended >= d.at && (d.target !== 'gateway' || e.gateway === d.process),
      ).length;
      const firstOk = exchanges
        .filter((e) => e.started > d.at && e.status > 0 && e.status < 500)
        .reduce<number | null>((min, e) => (min === null || e.ended < min ? e.ended : min), null);
      d.takeoverMs = firstOk === null ? null : firstOk - d.at;
    }
    const byOperation: Record<string, Record<string, number>> = {};
    function describe(e: Exchange): string {
      const span = `${((e.started - loadStarted) / 1000).toFixed(1)}–${((e.ended - loadStarted) / 1000).toFixed(1)} s`;
      return `${e.path} via ${e.gateway} at ${span}: ${e.status} ${e.error ?? ''}`.trim();
    }
    for (const e of exchanges) {
      const counts = (byOperation[e.op] ??= {});
      counts[String(e.status)] = (counts[String(e.status)] ?? 0) + 1;
    }

    // The quota ledger against the namespaces it was built from.
    const namespaces = await listAll(api, admin, `/api/v1/tenants/${TENANT}/projects/${PROJECT}/namespaces`);
    const quotas = (await api.call('GET', `/api/v1/tenants/${TENANT}/quotas`, { token: admin })).body as unknown as Json[];
    const ledger = quotas.find((q) => q['cluster'] === CLUSTER) ?? {};
    const allocated = Number((ledger['allocated'] as Record<string, string> | undefined)?.['pods'] ?? 0);
    const hard = Number((ledger['hard'] as Record<string, string> | undefined)?.['pods'] ?? 0);
    const sumOfNamespaces = namespaces.reduce((sum, ns) => sum + Number(((ns['quota'] as Json)?.['hard'] as Json)?.['pods'] ?? 0), 0);

    // Desired state: the member holds exactly the database's namespaces of the tenant, each with its quota.
    const wanted = new Map(namespaces.map((ns) => [String(ns['name']), String(((ns['quota'] as Json)?.['hard'] as Json)?.['pods'])]));
    let convergedAt: number | null = null;
    await until(
      'desired state in the member cluster',
      async () => {
        if (!(await converged(member, wanted))) return false;
        convergedAt = Date.now();
        return true;
      },
      60_000,
    ).catch(() => undefined);

    progress(convergedAt === null ? 'desired state did NOT converge' : `desired state converged (${wanted.size} namespaces)`);
    // Audit: every successful write recorded once, and the chain verifies.
    const writes = exchanges.filter((e) => (e.op === 'namespace-write' || e.op === 'tenant-write') && e.status >= 200 && e.status < 300);
    const audit = await auditCounts(
      database.url,
      writes.map((e) => e.requestId),
    );
    const chain = await eventually('audit verify', 60_000, async () => {
      const reply = await api.call('GET', '/api/v1/audit/verify', { token: admin });
      return reply.status === 200 ? reply.body : undefined;
    });

    progress(`audit: ${audit.found}/${audit.expected} writes recorded`);
    // Events: every created namespace and tenant has its `created` event on CUBE_EVENTS, none twice.
    // The outbox relays them after the commit: read until every one is there, or the deadline says one is lost.
    const created = writes.flatMap((e) => (e.status === 201 && e.creates ? [e.creates] : []));
    let events = await eventCounts(nats.url, env, created);
    const eventsDeadline = Date.now() + 30_000;
    while (events.lost > 0 && Date.now() < eventsDeadline) {
      await pause(1000);
      events = await eventCounts(nats.url, env, created);
    }

    const result: HaDrillResult = {
      loadSeconds: options.loadSeconds,
      clients: options.clients,
      replicas: Object.fromEntries(
        ['gateway', ...HA_SERVICES].map((name) => [name, name === 'gateway' || replicated.includes(name as HaService) ? 2 : 1]),
      ),
      natsNodes: 3,
      requests: { total: exchanges.length, byOperation, rerouted: balancer.rerouted },
      errors: {
        total: failures.length,
        confinedToKilled: failures.filter((e) => explained(e)).length,
        memberCluster: failures.filter((e) => !explained(e) && fromMember(e)).map(describe),
        afterTakeover: unexplained.length,
        unexplained: unexplained.map(describe),
        examples: failures
          .slice(0, 10)
          .map((e) =>
            `${e.path} via ${e.gateway} at ${((e.started - loadStarted) / 1000).toFixed(1)} s: ${e.status} ${e.error ?? ''}`.trim(),
          ),
      },
      disruptions: disruptions.map((d) => ({ ...d, at: Number(((d.at - loadStarted) / 1000).toFixed(1)) })),
      readyz: { degradedSeen: degradedBody !== null, degradedBody, degradedAfterMs, recoveredAfterMs },
      audit: { ...audit, chain },
      events,
      quota: { hard, allocated, sumOfNamespaces, namespaces: namespaces.length, overAllocated: allocated > hard },
      desiredState: {
        namespaces: wanted.size,
        convergedAfterLastRestartMs: convergedAt === null ? null : Math.max(0, (convergedAt as number) - Math.max(backAt, loadEnded)),
        convergedAfterLoadMs: convergedAt === null ? null : Math.max(0, (convergedAt as number) - loadEnded),
      },
      seconds: Math.round((Date.now() - began) / 1000),
    };
    progress(`events: ${events.found}/${events.expected} found`);
    return result;
  } catch (error: unknown) {
    progress(`drill failed; last lines:\n${lastLines.slice(-60).join('\n')}`);
    throw error;
  } finally {
    await running?.stop();
    await member.stop();
    await nats.remove();
    await database.drop();
    await state.remove();
  }
}

const STACK_NAMES: readonly string[] = [...CUBE_SERVICES, 'gateway'];

function natsCredentialVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const keys = ['NATS_USER', 'NATS_PASSWORD', 'NATS_TOKEN', 'NATS_CREDS_FILE'] as const;
  return Object.fromEntries(keys.filter((key) => env[key]).map((key) => [key, env[key]]));
}

async function expectStatus(reply: Promise<{ status: number; text: string }>, status: number, what: string): Promise<void> {
  const answer = await reply;
  if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${answer.text}`);
}

async function listAll(api: ReturnType<typeof gatewayClient>, token: string, path: string): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  do {
    const reply = await api.call('GET', `${path}?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status} ${reply.text}`);
    items.push(...((reply.body['items'] as Json[]) ?? []));
    cursor = (reply.body['nextCursor'] as string | null) ?? null;
  } while (cursor);
  return items;
}

/** The member's namespaces of the tenant and their cube-quota, against what the database says. */
async function converged(member: KubeServer, wanted: Map<string, string>): Promise<boolean> {
  const namespaces = member.registry.find('', 'v1', 'namespaces');
  const quotas = member.registry.find('', 'v1', 'resourcequotas');
  if (!namespaces || !quotas) return false;
  const present = member.api
    .list(namespaces, undefined)
    .items.filter((ns) => ns.metadata.labels?.['cube.io/tenant'] === TENANT && !ns.metadata.deletionTimestamp)
    .map((ns) => ns.metadata.name as string);
  if (present.length !== wanted.size || present.some((name) => !wanted.has(name))) return false;
  return [...wanted].every(([name, pods]) => {
    const quota = member.api.tryGet(quotas, name, 'cube-quota') as { spec?: { hard?: Record<string, string> } } | undefined;
    return quota?.spec?.hard?.['pods'] === pods;
  });
}

/** Audit records of the drill's successful writes (by request id): each there, none twice for the same action. */
async function auditCounts(
  databaseUrl: string,
  requestIds: string[],
): Promise<{ expected: number; found: number; lost: number; duplicated: number }> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    // The audit service ingests from JetStream: wait until nothing more arrives for the drill's writes.
    let found = -1;
    await until(
      'audit ingestion settles',
      async () => {
        const { rows } = await db.query<{ found: number }>(
          'SELECT count(DISTINCT "request_id")::int AS found FROM "audit"."events" WHERE "request_id" = ANY($1)',
          [requestIds],
        );
        const now = rows[0]?.found ?? 0;
        const settled = now === found || now === requestIds.length;
        found = now;
        return settled && now === requestIds.length;
      },
      60_000,
    ).catch(() => undefined);
    const { rows: duplicates } = await db.query<{ duplicated: number }>(
      `SELECT coalesce(sum(n - 1), 0)::int AS duplicated FROM (
         SELECT count(*) AS n FROM "audit"."events" WHERE "request_id" = ANY($1) GROUP BY "request_id", "action", "name"
       ) AS per_write`,
      [requestIds],
    );
    return { expected: requestIds.length, found, lost: requestIds.length - found, duplicated: duplicates[0]?.duplicated ?? 0 };
  } finally {
    await db.end();
  }
}

/** Reads CUBE_EVENTS from the start: each created namespace and tenant of the drill has its `created` event; no id twice. */
async function eventCounts(
  natsUrl: string,
  env: NodeJS.ProcessEnv,
  created: NonNullable<Exchange['creates']>[],
): Promise<{ expected: number; found: number; lost: number; duplicated: number; total: number }> {
  const nc = await connect({ ...natsAuthOptions(env as NatsCredentialsEnvironment), servers: natsUrl.split(',') });
  try {
    const codec = JSONCodec<{ id?: string; entity?: { name?: string } }>();
    const info = await (await nc.jetstreamManager()).streams.info('CUBE_EVENTS');
    const consumer = await nc.jetstream().consumers.get('CUBE_EVENTS');
    const seen = new Map<string, number>();
    const createdKeys = new Set<string>();
    let total = 0;
    if (info.state.messages > 0) {
      const messages = await consumer.fetch({ max_messages: info.state.messages, expires: 10_000 });
      for await (const message of messages) {
        total += 1;
        const event = codec.decode(message.data);
        if (event.id) seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
        // cube.events.tenancy.<entity>.created
        const [entity, verb] = message.subject.split('.').slice(-2);
        if (verb === 'created' && event.entity?.name) createdKeys.add(`${entity}:${event.entity.name}`);
        if (total >= info.state.messages) break;
      }
    }
    const found = created.filter((c) => createdKeys.has(`${c.kind}:${c.name}`)).length;
    const duplicated = [...seen.values()].reduce((sum, n) => sum + (n - 1), 0);
    return { expected: created.length, found, lost: created.length - found, duplicated, total };
  } finally {
    await nc.close();
  }
}

/** What the drill must show, as one sentence per broken promise (none: it passed). */
export function haDrillProblems(result: HaDrillResult): string[] {
  const problems: string[] = [];
  if (result.audit.lost > 0) problems.push(`${result.audit.lost} audit records lost`);
  if (result.audit.duplicated > 0) problems.push(`${result.audit.duplicated} audit records duplicated`);
  if (result.audit.chain['ok'] !== true) problems.push(`the audit chain does not verify: ${JSON.stringify(result.audit.chain)}`);
  if (result.events.lost > 0) problems.push(`${result.events.lost} events lost from CUBE_EVENTS`);
  if (result.events.duplicated > 0) problems.push(`${result.events.duplicated} events duplicated on CUBE_EVENTS`);
  if (result.quota.overAllocated) problems.push(`quota over-allocated: ${result.quota.allocated} of ${result.quota.hard} pods`);
  if (result.quota.allocated !== result.quota.sumOfNamespaces) {
    problems.push(`the ledger holds ${result.quota.allocated} pods, the namespaces ${result.quota.sumOfNamespaces}`);
  }
  const converged = result.desiredState.convergedAfterLastRestartMs;
  const afterLoad = result.desiredState.convergedAfterLoadMs;
  if (converged === null || afterLoad === null || converged > 30_000 || afterLoad > 30_000) {
    problems.push(`desired state did not converge within 30 s (after the last restart: ${converged} ms, after the load: ${afterLoad} ms)`);
  }
  if (result.errors.afterTakeover > 0)
    problems.push(`${result.errors.afterTakeover} client errors outside the requests in flight on a killed process`);
  if (!result.readyz.degradedSeen) problems.push('/readyz never reported degraded while a service had no replica');
  if (result.readyz.recoveredAfterMs === null) problems.push('/readyz did not recover');
  return problems;
}
