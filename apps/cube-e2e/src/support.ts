import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { LocalNatsServer, RunningStack, StackOptions, startStack } from '@cube/dev-stack';

export const ROOT = resolve(__dirname, '../../..');
export const ADMIN_DATABASE_URL = process.env['CUBE_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of its own for one suite, so suites never see each other's schemas. */
export async function createTestDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new Client({ connectionString: ADMIN_DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a built app to completion with the given environment. */
export function runApp(app: string, env: NodeJS.ProcessEnv): Promise<Exit> {
  return new Promise((resolveExit, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps', app, 'main.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolveExit({ code, stdout, stderr }));
  });
}

/** Resolves when `predicate` holds for a line already seen or one yet to come. */
export class LineLog {
  private readonly lines: string[] = [];
  private waiters: { predicate: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  push = (line: string): void => {
    this.lines.push(line);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.predicate(line)) return true;
      waiter.resolve(line);
      return false;
    });
  };

  all(): string[] {
    return [...this.lines];
  }

  waitFor(predicate: (line: string) => boolean): Promise<string> {
    const seen = this.lines.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolveLine) => this.waiters.push({ predicate, resolve: resolveLine }));
  }
}

/** Polls an HTTP endpoint until it returns `status`: readiness is a state to reach, not a moment to sleep for. */
export async function waitForStatus(url: string, status: number, attempts = 300): Promise<Response> {
  let last: Response | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await fetch(url).catch(() => undefined);
    if (last?.status === status) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not return ${status} (last: ${last?.status ?? 'no answer'})`);
}

/**
 * Validates an OpenAPI document with @apidevtools/swagger-parser. The validator is ESM-only and the
 * test runner is CommonJS, so it runs in a child Node process reading the document from stdin.
 */
export function validateOpenApi(document: unknown): { valid: boolean; error: string } {
  const script =
    "import('@apidevtools/swagger-parser').then(async ({ default: parser }) => {" +
    "  let input = ''; for await (const chunk of process.stdin) input += chunk;" +
    '  try { await parser.validate(JSON.parse(input)); } catch (e) { process.stderr.write(String(e.message)); process.exit(1); }' +
    '})';
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    input: JSON.stringify(document),
    encoding: 'utf8',
  });
  return { valid: result.status === 0, error: result.stderr };
}

export interface TestStack {
  stack: RunningStack;
  natsUrl: string;
  /** The stack's private nats-server: a suite may stop and restart it (outages) without touching others. */
  nats: LocalNatsServer;
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * The real stack as `npm start` runs it (every built app as its own process) on a database of its
 * own and a private nats-server, so a developer's running Cube cannot answer this suite's requests.
 */
export async function startTestStack(
  name: string,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
  options: Pick<StackOptions, 'healthPorts'> = {},
): Promise<TestStack> {
  const state = await tempDir(`cube-e2e-${name}`);
  const database = await createTestDatabase(`cube_e2e_${name}`);
  const nats = await LocalNatsServer.start(state.path);
  const cleanup = [() => nats.stop(), () => database.drop(), () => state.remove()];
  try {
    const stack = await startStack({
      root: ROOT,
      stateDir: state.path,
      // The request deadline is a production latency bound; a test stack shares two cores with the
      // rest of the suite, so its requests get more time (tests check answers, not speed).
      env: {
        PATH: process.env['PATH'],
        DATABASE_URL: database.url,
        NATS_URL: nats.url,
        PORT: '0',
        CUBE_REQUEST_TIMEOUT_MS: '30000',
        ...env,
      },
      onLine,
      ...options,
    });
    return {
      stack,
      natsUrl: nats.url,
      nats,
      databaseUrl: database.url,
      stop: async () => {
        await stack.stop();
        for (const step of cleanup) await step();
      },
    };
  } catch (error: unknown) {
    for (const step of cleanup) await step();
    throw error;
  }
}

/**
 * Polls `probe` until it returns a value, or fails after `deadlineMs` naming the last error it threw:
 * a state to reach, not a moment to sleep for.
 */
export async function eventually<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  let last: unknown;
  while (Date.now() - started < deadlineMs) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error: unknown) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not reached within ${deadlineMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
}

/** `eventually` for a condition: resolves with the first truthy value `check` returns (`true` for a yes/no one). */
export async function until<T>(what: string, check: () => Promise<T | false | null | undefined>, deadlineMs = 30_000): Promise<T> {
  return eventually(what, deadlineMs, async () => (await check()) || undefined);
}

/** A JSON object as the gateway answers it. */
export interface Json {
  [key: string]: unknown;
}

export interface CallOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Reply {
  status: number;
  headers: Headers;
  /** The body as sent. */
  text: string;
  /** The body read as JSON; null when empty or not JSON (NDJSON and CSV exports, HTML). */
  body: Json;
}

export interface Scope {
  kind: 'platform' | 'tenant' | 'project';
  tenant?: string;
  project?: string;
}

export interface GatewayClientOptions {
  /** The CA of the gateway's serving certificate, when it serves HTTPS under a CA of the test's own (a function when made later). */
  ca?: string | (() => string);
}

/** The gateway's HTTP API as a test calls it: one place that sets the headers and reads the answer. */
export class GatewayClient {
  constructor(
    private readonly baseUrl: () => string,
    private readonly options: GatewayClientOptions = {},
  ) {}

  async call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = {
      ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    };
    const body = options.body !== undefined ? JSON.stringify(options.body) : undefined;
    const url = `${this.baseUrl()}${path}`;
    const ca = typeof this.options.ca === 'function' ? this.options.ca() : this.options.ca;
    const answer = ca
      ? await sendTrusting(ca, method, url, headers, body)
      : await fetch(url, { method, headers, body }).then(async (response) => ({
          status: response.status,
          headers: response.headers,
          text: await response.text(),
        }));
    return withJson(answer);
  }

  /** POST /auth/login as it answered; `ip` goes out as X-Forwarded-For (per-IP limits), `provider` as given. */
  login(username: string, password: string, options: { ip?: string; provider?: string } = {}): Promise<Reply> {
    return this.call('POST', '/api/v1/auth/login', {
      body: { username, password, ...(options.provider ? { provider: options.provider } : {}) },
      headers: options.ip ? { 'X-Forwarded-For': options.ip } : {},
    });
  }

  /** The access token of a login that must succeed. */
  async token(username: string, password: string): Promise<string> {
    const reply = await this.login(username, password);
    if (reply.status !== 200) throw new Error(`login as ${username}: ${reply.status} ${reply.text}`);
    return String(reply.body['accessToken']);
  }
}

/** A client of the gateway at `baseUrl` (a function when the stack starts after the client is made). */
export function gatewayClient(baseUrl: string | (() => string), options: GatewayClientOptions = {}): GatewayClient {
  return new GatewayClient(typeof baseUrl === 'string' ? () => baseUrl : baseUrl, options);
}

/**
 * An HTTPS request trusting `ca` (fetch trusts only the system's CAs). No keep-alive agent: a server
 * restarted in place must not get a socket of its previous run.
 */
function sendTrusting(
  ca: string,
  method: string,
  url: string,
  headers: Record<string, string | string[]>,
  body: string | undefined,
): Promise<Omit<Reply, 'body'>> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, ca, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => {
        const received = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) received.append(name, one);
        }
        resolve({ status: res.statusCode ?? 0, headers: received, text: Buffer.concat(chunks).toString() });
      });
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** The answer with its body read as JSON (null when empty or not JSON: `text` has it). */
function withJson(answer: Omit<Reply, 'body'>): Reply {
  let json: Json = null as unknown as Json;
  try {
    json = answer.text ? (JSON.parse(answer.text) as Json) : json;
  } catch {
    // Not JSON: `text` has it.
  }
  return { ...answer, body: json };
}

/** A Kubernetes API server as a test reaches it as its admin (`KubeServer` of `@cube/testing` is one). */
export interface KubeEndpoint {
  url: string;
  caCert: string;
  adminToken: string;
}

export interface KubeCallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Added to the admin's bearer token, e.g. `Impersonate-User`. */
  headers?: Record<string, string | string[]>;
}

/**
 * A request straight to a Kubernetes API (test) server as its admin, trusting its own CA: what a
 * cluster admin's client does beside Cube (set-up, or checking what Warden and the proxy wrote).
 */
export async function kubeCall(server: KubeEndpoint, method: string, path: string, options: KubeCallOptions = {}): Promise<Reply> {
  const headers = {
    Authorization: `Bearer ${server.adminToken}`,
    ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    ...options.headers,
  };
  const body = options.body !== undefined ? JSON.stringify(options.body) : undefined;
  return withJson(await sendTrusting(server.caCert, method, `${server.url}${path}`, headers, body));
}

/** `kubeCall` for a GET. */
export function kubeGet(server: KubeEndpoint, path: string, headers?: Record<string, string | string[]>): Promise<Reply> {
  return kubeCall(server, 'GET', path, { headers });
}

async function created(what: string, reply: Promise<Reply>): Promise<Reply> {
  const answer = await reply;
  if (answer.status !== 201) throw new Error(`${what}: ${answer.status} ${answer.text}`);
  return answer;
}

/** Creates tenant `name` as `token`'s holder (201 or the test fails here). */
export async function makeTenant(client: GatewayClient, token: string, name: string, body: Json = {}): Promise<Json> {
  return (await created(`create tenant ${name}`, client.call('POST', '/api/v1/tenants', { token, body: { name, ...body } }))).body;
}

/**
 * A local user bound to `role` at `scope` by the admin, logged in: their access token and the binding's
 * id. The binding reaches the services' ability caches through events, so a test that needs it in
 * force polls for it (`until`).
 */
export async function userBoundTo(
  client: GatewayClient,
  adminToken: string,
  user: { name: string; role: string; scope: Scope | Json; password?: string },
): Promise<{ token: string; bindingId: string }> {
  const password = user.password ?? `correct horse battery staple ${user.name.length}`;
  await created(
    `create user ${user.name}`,
    client.call('POST', '/api/v1/users', { token: adminToken, body: { name: user.name, password } }),
  );
  const subject = { kind: 'User', name: user.name };
  const binding = await created(
    `bind ${user.name}`,
    client.call('POST', '/api/v1/rolebindings', { token: adminToken, body: { subject, role: user.role, scope: user.scope } }),
  );
  return { token: await client.token(user.name, password), bindingId: String(binding.body['id']) };
}

export interface WardenOptions {
  /** The registered cluster's name. */
  cluster: string;
  /** The member's admin kubeconfig (its text), written beside the state directory. */
  kubeconfig: string;
  /** A directory of the test's own: the kubeconfig file and `<cluster>-state` go there. */
  dir: string;
  /** Each line Warden writes, prefixed `[warden-<cluster>]`. */
  log: (line: string) => void;
  /** More arguments (`--webhook-port`, ...). */
  args?: string[];
  /** Environment beside PATH, `CUBE_HEARTBEAT_INTERVAL=0.5` and `LOG_LEVEL=info`. */
  env?: NodeJS.ProcessEnv;
}

/** Starts the built Warden (`dist/apps/warden/main.js`) for a member cluster, as `npm run warden` would. */
export async function spawnWarden(options: WardenOptions): Promise<ChildProcess> {
  const file = join(options.dir, `${options.cluster}.admin.kubeconfig`);
  await writeFile(file, options.kubeconfig, { mode: 0o600 });
  const args = ['--cluster', options.cluster, '--kubeconfig', file, '--state-dir', join(options.dir, `${options.cluster}-state`)];
  const child = spawn(process.execPath, [join(ROOT, 'dist/apps/warden/main.js'), ...args, ...(options.args ?? [])], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'], CUBE_HEARTBEAT_INTERVAL: '0.5', LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forward = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .forEach((line) => options.log(`[warden-${options.cluster}] ${line}`));
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  return child;
}
