import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { LineLog, ROOT, tempDir, waitForStatus } from './support';

// `npm start` on a machine without PostgreSQL: the launcher falls back to one PGlite per service.
// It runs as its own process, as a newcomer runs it (PGlite also needs a real Node ESM loader).
describe('npm start without PostgreSQL', () => {
  const log = new LineLog();
  let launcher: ChildProcess;
  let exited: Promise<number | null>;
  let state: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    state = await tempDir('cube-e2e-embedded');
    launcher = spawn(process.execPath, ['-r', '@swc-node/register', 'tools/dev-stack/src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        SWC_NODE_PROJECT: 'tsconfig.base.json',
        CUBE_EMBEDDED_POSTGRES: '1',
        CUBE_STATE_DIR: state.path,
        PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => launcher.once('exit', (code) => resolve(code)));
    for (const stream of [launcher.stdout, launcher.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', log.push);
    }
  });

  afterAll(async () => {
    if (launcher.exitCode === null) {
      launcher.kill('SIGINT');
      await exited;
    }
    await state.remove();
  });

  // Eight processes compiled on the fly by swc-node, each with its own PGlite (WASM): the slowest
  // start of the suite, given a budget to match on two shared cores.
  it('runs every service on embedded PostgreSQL until Ctrl-C', async () => {
    const urlLine = await log.waitFor((l) => l.startsWith('Cube is starting: gateway at '));
    const gatewayUrl = /gateway at (http:\/\/\S+)/.exec(urlLine)?.[1] ?? '';
    const response = await waitForStatus(`${gatewayUrl}/readyz`, 200, 2000);
    const body = (await response.json()) as { services: Record<string, { dependencies: Record<string, string> }> };
    expect(Object.values(body.services).map((s) => s.dependencies['database'])).toEqual(Array(6).fill('up'));
    expect(log.all()).toContain(`[stack] using embedded PostgreSQL (PGlite) under ${state.path}/pglite`);

    // Each service holds the only connection its PGlite admits: nobody can interleave a transaction.
    const identityDb = /embedded PostgreSQL for identity at (\S+)/.exec(
      await log.waitFor((l) => l.includes('embedded PostgreSQL for identity')),
    )?.[1];
    const intruder = new Client({ connectionString: identityDb, connectionTimeoutMillis: 3000 });
    intruder.on('error', () => undefined);
    await expect(intruder.connect()).rejects.toThrow();

    launcher.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const service of ['identity', 'tenancy', 'clusters', 'audit', 'hotplug', 'console', 'warden', 'gateway']) {
      expect(log.all()).toContain(`[stack] ${service} exited (SIGTERM)`);
    }
  }, 300_000);
});
