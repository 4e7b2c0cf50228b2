import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { CUBE_SERVICES, CubeService } from '@cube/contracts';
import { EmbeddedPostgres, embeddedDataDir } from './embedded-postgres';
import { LocalNatsServer } from './nats';
import { answersTcp } from './ports';

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
  /** Each output line, already prefixed with the process name. */
  onLine?: (line: string, from: StackProcess) => void;
  /** Use embedded PostgreSQL even when one answers (to prove that path). */
  forceEmbeddedPostgres?: boolean;
}

export interface RunningStack {
  gatewayUrl: string;
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
  const onLine = options.onLine ?? ((line) => process.stdout.write(`${line}\n`));
  const cleanups: (() => Promise<void>)[] = [];
  const children = new Map<StackProcess, ChildProcess>();

  const stopAll = async () => {
    await Promise.all([...children.keys()].map((name) => stopChild(children, name)));
    for (const cleanup of cleanups.reverse()) await cleanup();
  };

  try {
    for (const name of STACK_PROCESSES) {
      if (!existsSync(mainOf(root, name))) {
        throw new StackStartError(`${mainOf(root, name)} is missing: build first (npx nx run-many -t build)`);
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
      const embeddedUrl = name === 'gateway' ? undefined : databaseUrls.get(name);
      if (embeddedUrl) {
        env['DATABASE_URL'] = embeddedUrl;
        env['CUBE_DB_POOL_MAX'] = '1';
      }
      return env;
    };

    let resolveGatewayUrl: (url: string) => void = () => undefined;
    const gatewayUrl = new Promise<string>((resolveUrl) => (resolveGatewayUrl = resolveUrl));

    const startProcess = async (name: StackProcess) => {
      if (children.has(name)) return;
      const child = spawn(process.execPath, [mainOf(root, name)], { cwd: root, env: envFor(name), stdio: ['ignore', 'pipe', 'pipe'] });
      children.set(name, child);
      const pipeLines = (stream: NodeJS.ReadableStream) =>
        createInterface({ input: stream }).on('line', (line) => {
          const match = name === 'gateway' ? /listening on (https?:\/\/\S+)/.exec(line) : null;
          if (match?.[1]) resolveGatewayUrl(match[1]);
          onLine(`[${name}] ${line}`, name);
        });
      if (child.stdout) pipeLines(child.stdout);
      if (child.stderr) pipeLines(child.stderr);
      child.once('exit', (code, signal) => {
        if (children.get(name) === child) children.delete(name);
        onLine(`[stack] ${name} exited (${signal ?? `code ${code}`})`, name);
      });
    };

    for (const name of STACK_PROCESSES) await startProcess(name);
    const gatewayExited = new Promise<never>((_, reject) =>
      children.get('gateway')?.once('exit', (code) => reject(new StackStartError(`the gateway exited with code ${code} before listening`))),
    );
    const url = await Promise.race([gatewayUrl, gatewayExited]);

    return {
      gatewayUrl: url,
      databaseMode,
      natsUrl: effectiveNatsUrl,
      startProcess,
      stopProcess: (name) => stopChild(children, name),
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

async function stopChild(children: Map<StackProcess, ChildProcess>, name: StackProcess): Promise<number | null> {
  const child = children.get(name);
  if (!child || child.exitCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  child.kill('SIGTERM');
  const killTimer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(killTimer);
  return code;
}
