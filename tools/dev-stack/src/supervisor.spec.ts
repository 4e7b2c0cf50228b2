import { once } from 'node:events';
import { ProcessExit, ProcessFailedError, ProcessSpec, Supervisor } from './supervisor';

// Fake services: node processes that print what they are told and exit or stay up. The specs wait
// on the supervisor's events, never on time.
const STAY_UP = `console.log('up ' + process.pid); setInterval(() => undefined, 60_000);`;
const FAIL_AT_START = `
  for (let i = 1; i <= 60; i += 1) console.log('{"level":30,"msg":"line ' + i + '"}');
  console.error('Error: password must not contain the user name');
  process.exit(1);
`;

function fakeService(name: string, script: string): ProcessSpec {
  return {
    name,
    command: process.execPath,
    args: ['-e', script],
    cwd: process.cwd(),
    env: { PATH: process.env['PATH'] },
  };
}

/** Resolves when `name` printed a line matching `pattern`. */
function printed(lines: { name: string; line: string }[], supervisor: Supervisor, name: string, pattern: RegExp): Promise<string> {
  const seen = lines.find((entry) => entry.name === name && pattern.test(entry.line));
  if (seen) return Promise.resolve(seen.line);
  return new Promise((resolveLine) => {
    const listener = (entry: { name: string; line: string }) => {
      if (entry.name !== name || !pattern.test(entry.line)) return;
      supervisor.off('line', listener);
      resolveLine(entry.line);
    };
    supervisor.on('line', listener);
  });
}

function supervise(options: Partial<ConstructorParameters<typeof Supervisor>[0]> = {}) {
  const lines: { name: string; line: string }[] = [];
  const supervisor: Supervisor = new Supervisor({
    onLine: (name, line) => {
      lines.push({ name, line });
      supervisor.emit('line', { name, line });
    },
    ...options,
  });
  return { supervisor, lines };
}

describe('Supervisor', () => {
  let supervisor: Supervisor;
  afterEach(() => supervisor.stopAll());

  it('fails the start when a process exits before the stack is ready, with its last 40 lines', async () => {
    const run = supervise();
    supervisor = run.supervisor;
    supervisor.start(fakeService('tenancy', STAY_UP));
    await printed(run.lines, supervisor, 'tenancy', /^up /);
    const failed = once(supervisor, 'failed') as Promise<[ProcessFailedError]>;
    supervisor.start(fakeService('identity', FAIL_AT_START));

    const [error] = await failed;
    expect(error.exit).toEqual({
      name: 'identity',
      code: 1,
      signal: null,
      expected: false,
    });
    expect(error.lastLines).toHaveLength(40);
    expect(error.lastLines[0]).toBe('{"level":30,"msg":"line 22"}');
    expect(error.lastLines[39]).toBe('Error: password must not contain the user name');
    expect(error.message.split('\n')[0]).toBe('identity exited during the start (code 1); the stack is stopped. Its last 40 lines:');
    expect(error.message).toContain('  [identity] Error: password must not contain the user name');
    // Nothing restarts it: the launcher stops everything on this event.
    expect(supervisor.running('identity')).toBe(false);
    expect(supervisor.running('tenancy')).toBe(true);
  });

  it('restarts a process that dies after the stack is ready, with growing delays, and says so', async () => {
    const run = supervise({
      backoff: { initialMs: 5, maxMs: 40 },
      stableMs: 60_000,
    });
    supervisor = run.supervisor;
    supervisor.start(fakeService('clusters', STAY_UP));
    await printed(run.lines, supervisor, 'clusters', /^up /);
    supervisor.markReady();

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      const pid = supervisor.pid('clusters') ?? 0;
      const restarting = once(supervisor, 'restarting') as Promise<[{ name: string; attempt: number; delayMs: number }]>;
      const restarted = once(supervisor, 'restarted');
      process.kill(pid, 'SIGKILL');
      const [event] = await restarting;
      expect(event).toMatchObject({ name: 'clusters', attempt });
      delays.push(event.delayMs);
      await restarted;
      const newPid = supervisor.pid('clusters');
      expect(newPid).not.toBe(pid);
      await printed(run.lines, supervisor, 'clusters', new RegExp(`^up ${newPid}$`));
      expect(supervisor.running('clusters')).toBe(true);
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect(run.lines.filter((entry) => entry.name === 'stack').map((entry) => entry.line)[0]).toBe(
      'clusters died (signal SIGKILL); restarting it in 5 ms (restart 1)',
    );
  });

  it('does not restart a process stopped on purpose, and reports its exit', async () => {
    const run = supervise({ backoff: { initialMs: 5, maxMs: 5 } });
    supervisor = run.supervisor;
    supervisor.start(fakeService('audit', STAY_UP));
    await printed(run.lines, supervisor, 'audit', /^up /);
    supervisor.markReady();
    const exited = once(supervisor, 'exit') as Promise<[ProcessExit]>;
    await supervisor.stop('audit');

    expect((await exited)[0]).toEqual({
      name: 'audit',
      code: null,
      signal: 'SIGTERM',
      expected: true,
    });
    expect(supervisor.running('audit')).toBe(false);
    expect(run.lines).toContainEqual({
      name: 'stack',
      line: 'audit exited (SIGTERM)',
    });
    // It can be started again by name at once (the e2e suites stop and start services).
    supervisor.start(fakeService('audit', STAY_UP));
    expect(supervisor.running('audit')).toBe(true);
  });
});
