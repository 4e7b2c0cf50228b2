import 'reflect-metadata';
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { CubeMetrics } from '@cube/observability';
import { exitWithReason, HealthListener, loadEnvironment } from '@cube/service-runtime';
import { GatewayEnvironment, tlsFilesOf } from './config/gateway-environment';
import { createGateway } from './create-gateway';
import { ReadinessService } from './health/readiness.service';
import { runWorkerPrimary } from './workers';

async function main(): Promise<void> {
  let env: GatewayEnvironment;
  let tls: ReturnType<typeof tlsFilesOf>;
  try {
    env = loadEnvironment(GatewayEnvironment, process.env);
    tls = tlsFilesOf(env);
  } catch (error: unknown) {
    exitWithReason('gateway', error instanceof Error ? error.message : String(error));
  }
  // CUBE_GATEWAY_WORKERS > 1: this process only forks the workers (each runs the rest of main()).
  if (env.CUBE_GATEWAY_WORKERS > 1 && cluster.isPrimary) {
    runWorkerPrimary(env.CUBE_GATEWAY_WORKERS);
    return;
  }
  try {
    const app = await createGateway(env);
    const server = app.getHttpServer() as Server;
    // Node closes idle keep-alive connections after 5 s, which races clients and load balancers that
    // reuse them ("socket hang up" on a request sent as the server closes). Idle connections stay
    // open longer than the usual 60 s of proxies, so the proxy, not Cube, closes them.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    await app.listen(env.PORT, env.CUBE_HTTP_HOST);
    const address = server.address() as { port: number };
    process.stdout.write(`cube-gateway: listening on ${tls ? 'https' : 'http'}://${env.CUBE_HTTP_HOST}:${address.port}\n`);
    // Metrics stay off the public port: route names, subjects and latencies are the platform's
    // internals. The internal listener is the one every Cube process has (CUBE_HEALTH_PORT).
    if (env.CUBE_HEALTH_PORT > 0) {
      const readiness = app.get(ReadinessService);
      await HealthListener.start({
        port: env.CUBE_HEALTH_PORT,
        metrics: app.get(CubeMetrics),
        readiness: async () => {
          const { ready, ...details } = await readiness.check(randomUUID());
          return { ready, details: { service: 'gateway', ...details } };
        },
      });
    }
  } catch (error: unknown) {
    exitWithReason('gateway', `failed to start: ${error instanceof Error ? error.message : String(error)}`);
  }
}

void main();
