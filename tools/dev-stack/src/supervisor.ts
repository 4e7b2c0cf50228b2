import { ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';

/** How to run one process of the stack. */
export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface SupervisorOptions {
  /** Each output line of a process, and the supervisor's own reports (from `stack`). */
  onLine: (name: string, line: string) => void;
  /** Lines kept per process, printed when it fails during the start. */
  tailLines?: number;
  /** First restart delay after a crash once the stack is ready; doubled per crash up to maxMs. */
  backoff?: { initialMs: number; maxMs: number };
  /** A process that stayed up this long starts its backoff again from initialMs. */
  stableMs?: number;
}

export interface ProcessExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Asked for by stop()/stopAll(). */
  expected: boolean;
}

/** A process exited on its own before the stack was ready: the start has failed. */
export class ProcessFailedError extends Error {
  constructor(
    readonly exit: ProcessExit,
    readonly lastLines: readonly string[],
  ) {
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
    super(
      `${exit.name} exited during the start (${how}); the stack is stopped. ` +
        `${lastLines.length === 1 ? 'Its last line' : `Its last ${lastLines.length} lines`}:\n` +
        lastLines.map((line) => `  [${exit.name}] ${line}`).join('\n'),
    );
  }
}

/** The last `size` lines written, oldest first. */
export class LineRing {
  private readonly lines: string[] = [];
  constructor(private readonly size: number) {}
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }
  all(): string[] {
    return [...this.lines];
  }
}

interface Supervised {
  spec: ProcessSpec;
  child: ChildProcess;
  ring: LineRing;
  startedAt: number;
  stopping: boolean;
  crashes: number;
  restartTimer?: NodeJS.Timeout;
}

/**
 * Runs the stack's processes. Until markReady(), a process that exits on its own fails the start
 * (event `failed`, with its last lines); afterwards it is restarted with exponential backoff
 * (events `restarting` and `restarted`), so a crash of one service does not need a restart of all.
 * Events: `exit` (ProcessExit), `failed` (ProcessFailedError), `restarting` ({name, attempt, delayMs}),
 * `restarted` ({name, attempt}).
 */
export class Supervisor extends EventEmitter {
  private readonly processes = new Map<string, Supervised>();
  private ready = false;
  private failed = false;
  private readonly tailLines: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly stableMs: number;

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.tailLines = options.tailLines ?? 40;
    this.backoff = options.backoff ?? { initialMs: 1000, maxMs: 30_000 };
    this.stableMs = options.stableMs ?? 60_000;
  }

  /** Starts a process (no-op while one of that name runs or waits for its restart). */
  start(spec: ProcessSpec): void {
    if (this.processes.has(spec.name)) return;
    this.spawn(spec, new LineRing(this.tailLines), 0);
  }

  /** From now on a process that dies is restarted instead of failing the start. */
  markReady(): void {
    this.ready = true;
  }

  running(name: string): boolean {
    const process = this.processes.get(name);
    return !!process && process.child.exitCode === null && process.child.signalCode === null;
  }

  pid(name: string): number | undefined {
    return this.processes.get(name)?.child.pid;
  }

  lastLines(name: string): string[] {
    return this.processes.get(name)?.ring.all() ?? [];
  }

  /** Stops a process on purpose (no restart); resolves with its exit code. */
  async stop(name: string): Promise<number | null> {
    const supervised = this.processes.get(name);
    if (!supervised) return null;
    supervised.stopping = true;
    this.processes.delete(name);
    clearTimeout(supervised.restartTimer);
    const { child } = supervised;
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const closed = new Promise<number | null>((resolveExit) => child.once('close', (code) => resolveExit(code)));
    child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await closed;
    clearTimeout(killTimer);
    return code;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.processes.keys()].map((name) => this.stop(name)));
  }

  private spawn(spec: ProcessSpec, ring: LineRing, crashes: number): void {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const supervised: Supervised = {
      spec,
      child,
      ring,
      startedAt: Date.now(),
      stopping: false,
      crashes,
    };
    this.processes.set(spec.name, supervised);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        ring.push(line);
        this.options.onLine(spec.name, line);
      });
    }
    // 'close' rather than 'exit': every line the process wrote has been read by then.
    child.once('close', (code, signal) => this.exited(supervised, code, signal));
  }

  private exited(supervised: Supervised, code: number | null, signal: NodeJS.Signals | null): void {
    const { spec } = supervised;
    const exit: ProcessExit = {
      name: spec.name,
      code,
      signal,
      expected: supervised.stopping,
    };
    this.emit('exit', exit);
    if (supervised.stopping) {
      this.options.onLine('stack', `${spec.name} exited (${signal ?? `code ${code}`})`);
      return;
    }
    if (!this.ready) {
      if (this.failed) return;
      this.failed = true;
      this.options.onLine('stack', `${spec.name} exited during the start (${signal ?? `code ${code}`})`);
      this.emit('failed', new ProcessFailedError(exit, supervised.ring.all()));
      return;
    }
    const stable = Date.now() - supervised.startedAt >= this.stableMs;
    const attempt = stable ? 1 : supervised.crashes + 1;
    const delayMs = Math.min(this.backoff.initialMs * 2 ** (attempt - 1), this.backoff.maxMs);
    this.options.onLine(
      'stack',
      `${spec.name} died (${signal ? `signal ${signal}` : `code ${code}`}); restarting it in ${formatDelay(delayMs)} (restart ${attempt})`,
    );
    this.emit('restarting', { name: spec.name, attempt, delayMs });
    supervised.crashes = attempt;
    supervised.restartTimer = setTimeout(() => {
      if (supervised.stopping || this.processes.get(spec.name) !== supervised) return;
      this.spawn(spec, supervised.ring, attempt);
      this.emit('restarted', { name: spec.name, attempt });
    }, delayMs);
  }
}

function formatDelay(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}
