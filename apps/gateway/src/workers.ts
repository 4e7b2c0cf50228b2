import cluster, { Worker } from 'node:cluster';

/** How long a stopping worker may take before the primary ends it (Nest's shutdown drains NATS first). */
export const WORKER_STOP_TIMEOUT_MS = 30_000;

/**
 * The primary of `CUBE_GATEWAY_WORKERS` > 1: forks that many gateway workers, which all listen on the
 * one port (node:cluster hands each accepted connection to one of them, round-robin), and does no
 * other work. SIGTERM or SIGINT is passed to every worker, each shuts down as a single gateway does
 * (connections closed, audit records flushed, NATS drained), and the primary exits once all have; a
 * worker that does not stop in WORKER_STOP_TIMEOUT_MS is killed. A worker that dies after it was
 * listening is replaced; one that dies before (bad configuration, port taken) stops the gateway with
 * its exit code, as a single gateway would exit.
 */
export function runWorkerPrimary(count: number, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  const live = new Set<Worker>();
  const listening = new WeakSet<Worker>();
  let stopping = false;
  let exitCode = 0;

  const exitWhenAllStopped = () => {
    if (stopping && live.size === 0) process.exit(exitCode);
  };

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    for (const worker of live) worker.process.kill(signal);
    setTimeout(() => {
      for (const worker of live) worker.process.kill('SIGKILL');
    }, WORKER_STOP_TIMEOUT_MS).unref();
    exitWhenAllStopped();
  };

  const fork = () => {
    const worker = cluster.fork();
    live.add(worker);
    worker.once('listening', () => listening.add(worker));
    worker.once('exit', (code, signal) => {
      live.delete(worker);
      if (stopping) {
        if (code) exitCode = code;
        exitWhenAllStopped();
        return;
      }
      if (!listening.has(worker)) {
        // It never served: the next one would fail the same way.
        exitCode = code || 1;
        stop('SIGTERM');
        return;
      }
      log(`cube-gateway: worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another`);
      fork();
    });
  };

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < count; i++) fork();
}
