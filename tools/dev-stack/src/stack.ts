import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CUBE_SERVICES, CubeService } from '@cube/contracts';
import { EmbeddedPostgres, embeddedDataDir } from './embedded-postgres';
import { LocalNatsServer } from './nats';
import { answersTcp } from './ports';
import { ProcessFailedError, Supervisor } from './supervisor';

export type StackProcess = CubeService | 'gateway';
export const STACK_PROCESSES: readonly StackProcess[] = [...CUBE_SERVICES, 'gateway'];
const DATABASE_SERVICES = CUBE_SERVICES.filter((service) => service !== 'warden');

export interface StackOptions {
  /** The repository root (dist/apps/<app>/main.js are run from there). */
  root: string;
  /** Environment for every process; DATABASE_URL and NATS_URL are honoured when set. */
  env: NodeJS.ProcessEnv;
  /** Where embedded PostgreSQL and a local NATS keep their data. */
  stateDir: string;
  /** Each output line, already prefixed with the process name (`[stack]` for the launcher's own). */
  onLine?: (line: string, from: StackProcess) => void;
  /** How a process's raw output line becomes the line given to onLine (default: `[name] line`). */
  formatLine?: (name: StackProcess | 'stack', line: string) => string | undefined;
  /** Restart delays of a process that dies after the stack is ready (default 1 s doubling to 30 s). */
  restartBackoff?: { initialMs: number; maxMs: number };
  /** The script each process runs (default: the built dist/apps/<name>/main.js; specs use fakes). */
  scriptOf?: (name: StackProcess) => string;
  /** Use embedded PostgreSQL even when one answers (to prove that path). */
  forceEmbeddedPostgres?: boolean;
  /** `CUBE_HEALTH_PORT` per process (its `/healthz`, `/readyz`, `/metrics` listener); absent: the env's, usually none. */
  healthPorts?: Partial<Record<StackProcess, number>>;
}

/** The ports `npm start` gives each process's internal listener: what deploy/prometheus/prometheus.yml scrapes. */
export const LOCAL_HEALTH_PORTS: Record<StackProcess, number> = {
  gateway: 9464,
  identity: 9465,
  tenancy: 9466,
  clusters: 9467,
  audit: 9468,
  hotplug: 9469,
  console: 9470,
  warden: 9471,
};

export interface RunningStack {
  gatewayUrl: string;
  /**
   * Settles once the gateway's /readyz answers 200 (from then on a process that dies is restarted
   * with backoff), or rejects with a StackStartError naming the process that exited before and
   * giving its last lines; the stack is stopped by then.
   */
  ready: Promise<void>;
  supervisor: Supervisor;
  databaseMode: 'external' | 'embedded';
  natsUrl: string;
  stopProcess(name: StackProcess): Promise<number | null>;
  startProcess(name: StackProcess): Promise<void>;
  stop(): Promise<void>;
}

export class StackStartError extends Error {}

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url.split(',')[0] ?? url);
  return { host: parsed.hostname, port: Number(parsed.port || defaultPort) };
}

/**
 * Runs Cube the way `npm start` does: every service and the gateway as child processes of the
 * built apps, against the PostgreSQL and NATS of the environment, or embedded/local ones.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const root = resolve(options.root);
  const scriptOf = options.scriptOf ?? ((name: StackProcess) => mainOf(root, name));
  const onLine = options.onLine ?? ((line) => process.stdout.write(`${line}\n`));
  const formatLine = options.formatLine ?? ((name: StackProcess | 'stack', line: string): string | undefined => `[${name}] ${line}`);
  const cleanups: (() => Promise<void>)[] = [];
  let resolveGatewayUrl: (url: string) => void = () => undefined;
  const gatewayUrl = new Promise<string>((resolveUrl) => (resolveGatewayUrl = resolveUrl));
  const watchGatewayUrl = (name: string, line: string) => {
    const match = name === 'gateway' ? /listening on (https?:\/\/\S+)/.exec(line) : null;
    if (match?.[1]) resolveGatewayUrl(match[1]);
  };
  const supervisor = new Supervisor({
    onLine: (name, line) => {
      watchGatewayUrl(name, line);
      const formatted = formatLine(name as StackProcess | 'stack', line);
      // undefined: a line the format leaves out (it stays among the process's last lines).
      if (formatted !== undefined) onLine(formatted, name === 'stack' ? 'gateway' : (name as StackProcess));
    },
    ...(options.restartBackoff ? { backoff: options.restartBackoff } : {}),
  });
  let stopped: Promise<void> | undefined;
  const stopAll = () => {
    supervisor.emit('stopping');
    stopped ??= (async () => {
      await supervisor.stopAll();
      for (const cleanup of cleanups.reverse()) await cleanup();
    })();
    return stopped;
  };
  // The first process to exit on its own before /readyz answers fails the start.
  const failed = new Promise<never>((_, reject) =>
    supervisor.once('failed', (error: ProcessFailedError) => reject(new StackStartError(error.message))),
  );
  failed.catch(() => undefined);

  try {
    for (const name of STACK_PROCESSES) {
      if (!existsSync(scriptOf(name))) {
        throw new StackStartError(`${scriptOf(name)} is missing: build first (npx nx run-many -t build)`);
      }
    }

    const natsUrl = options.env['NATS_URL'] ?? DEFAULT_NATS_URL;
    let effectiveNatsUrl = natsUrl;
    const nats = hostPort(natsUrl, 4222);
    if (!(await answersTcp(nats.host, nats.port))) {
      if (options.env['NATS_URL']) throw new StackStartError(`no NATS answers at NATS_URL ${natsUrl}`);
      const local = await LocalNatsServer.start(options.stateDir);
      cleanups.push(() => local.stop());
      effectiveNatsUrl = local.url;
      onLine(`[stack] no NATS at ${natsUrl}: started nats-server with JetStream at ${local.url}`, 'gateway');
    }

    const databaseUrls = new Map<CubeService, string>();
    let databaseMode: RunningStack['databaseMode'] = 'external';
    const databaseUrl = options.env['DATABASE_URL'] ?? DEFAULT_DATABASE_URL;
    const database = hostPort(databaseUrl, 5432);
    const externalAnswers = !options.forceEmbeddedPostgres && (await answersTcp(database.host, database.port));
    if (!externalAnswers && options.env['DATABASE_URL'] && !options.forceEmbeddedPostgres) {
      throw new StackStartError(`no PostgreSQL answers at DATABASE_URL (${database.host}:${database.port})`);
    }
    if (!externalAnswers) {
      databaseMode = 'embedded';
      onLine(`[stack] using embedded PostgreSQL (PGlite) under ${join(options.stateDir, 'pglite')}`, 'gateway');
      for (const service of DATABASE_SERVICES) {
        const embedded = await EmbeddedPostgres.start(embeddedDataDir(options.stateDir, service));
        cleanups.push(() => embedded.stop());
        databaseUrls.set(service, embedded.url);
        onLine(`[stack] embedded PostgreSQL for ${service} at ${embedded.url}`, 'gateway');
      }
    }

    const secretKey = options.env['CUBE_SECRET_KEY'] ?? (await localSecretKey(options.stateDir));
    const envFor = (name: StackProcess): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = {
        ...options.env,
        NATS_URL: effectiveNatsUrl,
        CUBE_ADMIN_PASSWORD_FILE: options.env['CUBE_ADMIN_PASSWORD_FILE'] ?? join(options.stateDir, 'admin-password'),
        CUBE_SECRET_KEY: secretKey,
      };
      const healthPort = options.healthPorts?.[name];
      if (healthPort !== undefined) env['CUBE_HEALTH_PORT'] = String(healthPort);
      const embeddedUrl = name === 'gateway' ? undefined : databaseUrls.get(name);
      if (embeddedUrl) {
        env['DATABASE_URL'] = embeddedUrl;
        env['CUBE_DB_POOL_MAX'] = '1';
      }
      return env;
    };

    const startProcess = async (name: StackProcess) => {
      supervisor.start({ name, command: process.execPath, args: [scriptOf(name)], cwd: root, env: envFor(name) });
    };

    for (const name of STACK_PROCESSES) await startProcess(name);
    const url = await Promise.race([gatewayUrl, failed]);

    const ready = (async () => {
      await Promise.race([waitForReady(url, failed, supervisor), failed]);
      supervisor.markReady();
    })();
    ready.catch(() => void stopAll());

    return {
      gatewayUrl: url,
      ready,
      supervisor,
      databaseMode,
      natsUrl: effectiveNatsUrl,
      startProcess,
      stopProcess: (name) => supervisor.stop(name),
      stop: stopAll,
    };
  } catch (error: unknown) {
    await stopAll();
    throw error;
  }
}

/** The key that seals secrets at rest, made once per state directory (mode 0600) and reused. */
async function localSecretKey(stateDir: string): Promise<string> {
  const file = join(stateDir, 'secret-key');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  const key = randomBytes(32).toString('base64');
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

function mainOf(root: string, name: StackProcess): string {
  return join(root, 'dist', 'apps', name, 'main.js');
}

/** Polls the gateway's /readyz until it answers 200, or until the start has failed. */
async function waitForReady(gatewayUrl: string, failed: Promise<never>, supervisor: Supervisor): Promise<void> {
  let done = false;
  failed.catch(() => (done = true));
  supervisor.once('stopping', () => (done = true));
  while (!done) {
    const status = await fetch(`${gatewayUrl}/readyz`, { signal: AbortSignal.timeout(5000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolvePoll) => setTimeout(resolvePoll, 250));
  }
  throw new StackStartError('the stack was stopped before it was ready');
}
