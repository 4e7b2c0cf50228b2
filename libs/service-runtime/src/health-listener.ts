import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface Readiness {
  ready: boolean;
  /** What the orchestrator (and a person running curl) sees: dependency states, never secrets. */
  details: Record<string, unknown>;
}

/** What `/metrics` serves: the process's Prometheus registry (`CubeMetrics`). */
export interface MetricsSource {
  render(): Promise<string>;
  readonly contentType: string;
}

export interface HealthListenerOptions {
  port: number;
  host?: string;
  /** Called on every `/readyz`; a throw counts as not ready. Absent: no `/readyz` (404). */
  readiness?: () => Promise<Readiness>;
  /** Served at `/metrics` in the Prometheus text format. Absent: no `/metrics` (404). */
  metrics?: MetricsSource;
}

/**
 * The tiny HTTP listener a kubelet probes on a service that otherwise speaks only NATS.
 * `/healthz`: the event loop answers (a wedged process is restarted). `/readyz`: it takes requests
 * from its queue group and its dependencies answer (a rolling update waits for it; a PDB counts it).
 * HTTP rather than an exec probe: an exec probe forks a Node process in the container every period.
 * `/metrics`: the process's Prometheus metrics, here and not on a public port (only the cluster's
 * network reaches this listener; the deploy network policies let Prometheus in).
 */
export class HealthListener {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(options: HealthListenerOptions): Promise<HealthListener> {
    const server = createServer((req, res) => {
      const path = req.url?.split('?')[0];
      const reply = (status: number, body: unknown): void => {
        res
          .writeHead(status, {
            'Content-Type': 'application/json',
            'Cache-Control': 'no-store',
          })
          .end(JSON.stringify(body));
      };
      const { readiness, metrics } = options;
      if (req.method !== 'GET' && req.method !== 'HEAD') reply(405, { status: 'method not allowed' });
      else if (path === '/healthz') reply(200, { status: 'ok' });
      else if (path === '/metrics' && metrics)
        metrics.render().then(
          (text) => res.writeHead(200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' }).end(text),
          () => reply(500, { status: 'metrics unavailable' }),
        );
      else if (path !== '/readyz' || !readiness) reply(404, { status: 'not found' });
      else
        readiness().then(
          ({ ready, details }) =>
            reply(ready ? 200 : 503, {
              status: ready ? 'ready' : 'unavailable',
              ...details,
            }),
          () => reply(503, { status: 'unavailable' }),
        );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
    });
    return new HealthListener(server, (server.address() as AddressInfo).port);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
