import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningStack, STACK_PROCESSES, StackProcess, StackStartError, startStack } from './stack';

// The launcher with fake processes in place of the built apps: every service a node script that
// says it is up and stays, the gateway a tiny HTTP server whose /readyz answers READYZ_STATUS.
// NATS and PostgreSQL are this machine's (the launcher only checks that they answer).
const SERVICE = `console.log('up ' + process.pid); setInterval(() => undefined, 60_000);`;
const GATEWAY = `
  const server = require('node:http').createServer((request, response) => {
    response.statusCode = request.url === '/readyz' ? Number(process.env.READYZ_STATUS) : 404;
    response.end();
  });
  server.listen(0, '127.0.0.1', () => console.log('cube-gateway: listening on http://127.0.0.1:' + server.address().port));
`;
const IDENTITY_REFUSING_PASSWORD = `
  for (let i = 1; i <= 50; i += 1) console.log('{"level":30,"msg":"start-up line ' + i + '"}');
  console.error('cube-identity: failed to start: CUBE_ADMIN_PASSWORD is not acceptable: password must not contain the user name');
  process.exit(1);
`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startStack', () => {
  let dir: string;
  let stack: RunningStack | undefined;
  const lines: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cube-dev-stack-'));
    writeFileSync(join(dir, 'service.js'), SERVICE);
    writeFileSync(join(dir, 'gateway.js'), GATEWAY);
    writeFileSync(join(dir, 'identity-refusing.js'), IDENTITY_REFUSING_PASSWORD);
    lines.length = 0;
    stack = undefined;
  });

  afterEach(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(readyzStatus: number, scripts: Partial<Record<StackProcess, string>> = {}) {
    return startStack({
      root: dir,
      stateDir: join(dir, 'state'),
      env: {
        PATH: process.env['PATH'],
        READYZ_STATUS: String(readyzStatus),
        CUBE_SECRET_KEY: 'a'.repeat(44),
      },
      onLine: (line) => lines.push(line),
      restartBackoff: { initialMs: 10, maxMs: 100 },
      scriptOf: (name) => join(dir, scripts[name] ?? (name === 'gateway' ? 'gateway.js' : 'service.js')),
    });
  }

  it('stops everything and names the process, with its last lines, when one exits during the start', async () => {
    // /readyz never answers 200, so identity's exit is always "during the start".
    // It fails startStack itself, or its `ready`, depending on whether the gateway listened first.
    const outcome = await start(503, { identity: 'identity-refusing.js' })
      .then((running) => {
        stack = running;
        return running.ready;
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    expect(outcome).toBeInstanceOf(StackStartError);
    const message = (outcome as Error).message.split('\n');
    expect(message[0]).toBe('identity exited during the start (code 1); the stack is stopped. Its last 40 lines:');
    expect(message[1]).toBe('  [identity] {"level":30,"msg":"start-up line 12"}');
    expect(message[40]).toBe(
      '  [identity] cube-identity: failed to start: CUBE_ADMIN_PASSWORD is not acceptable: password must not contain the user name',
    );
    await stack?.stop();
    expect(lines).toContain('[stack] identity exited during the start (code 1)');
    // Every other process was stopped (the line is written once it has exited), and none is left.
    for (const name of STACK_PROCESSES.filter((other) => other !== 'identity')) expect(lines).toContain(`[stack] ${name} exited (SIGTERM)`);
    const pids = lines.flatMap((line) => /^\[\w+\] up (\d+)$/.exec(line)?.[1] ?? []).map(Number);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('restarts a service that dies once the stack is ready, and reports it in one line', async () => {
    stack = await start(200);
    await stack.ready;
    const { supervisor } = stack;
    const pid = supervisor.pid('tenancy') ?? 0;
    const restarted = once(supervisor, 'restarted');
    process.kill(pid, 'SIGKILL');
    await restarted;

    expect(supervisor.running('tenancy')).toBe(true);
    expect(supervisor.pid('tenancy')).not.toBe(pid);
    expect(lines).toContain('[stack] tenancy died (signal SIGKILL); restarting it in 10 ms (restart 1)');
    for (const name of STACK_PROCESSES) expect(supervisor.running(name)).toBe(true);
  });
});
