import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { CubeService, queueGroupOf } from '@cube/contracts';
import { DrainingNatsServer, natsAuthOptions } from '@cube/messaging';
import { CubeMetrics } from '@cube/observability';
import { ensureSchema, ServiceDatabaseOptions } from '@cube/persistence';
import { CubeServiceModule, CubeServiceModuleOptions } from './cube-service.module';
import { BaseEnvironment, DatabaseServiceEnvironment, loadEnvironment, WardenEnvironment } from './environment';
import { DependencyProbe } from './health';
import { HealthListener } from './health-listener';

export interface ServiceBootstrapOptions<E extends BaseEnvironment> {
  service: CubeService;
  environment: new () => E;
  database?: Pick<ServiceDatabaseOptions, 'migrations' | 'entities'>;
  features?: CubeServiceModuleOptions['features'];
  /** Variables to read instead of `process.env` (Warden takes its NATS URL from its cluster's Secret). */
  env?: NodeJS.ProcessEnv;
}

/** Prints one line naming the problem and exits non-zero: no stack-trace wall at start-up. */
export function exitWithReason(service: string, reason: string): never {
  process.stderr.write(`cube-${service}: ${reason.split('\n')[0]}\n`);
  process.exit(1);
}

/**
 * Starts a Cube microservice: validated configuration, its schema and migrations, the NATS
 * transport with a queue group, JSON logs, graceful shutdown on SIGTERM (drain NATS, close the pool).
 */
export async function bootstrapService<E extends BaseEnvironment>(options: ServiceBootstrapOptions<E>): Promise<void> {
  const { service } = options;
  let environment: E;
  try {
    environment = loadEnvironment(options.environment, options.env ?? process.env);
    if (options.database) {
      await ensureSchema((environment as unknown as DatabaseServiceEnvironment).DATABASE_URL, service);
    }
  } catch (error: unknown) {
    exitWithReason(service, error instanceof Error ? error.message : String(error));
  }

  try {
    // Warden's samples carry its cluster: Prometheus scrapes many Wardens into one store.
    const metrics = new CubeMetrics(service, environment instanceof WardenEnvironment ? { cluster: environment.CUBE_CLUSTER_NAME } : {});
    const strategy = new DrainingNatsServer({
      ...natsAuthOptions(environment),
      servers: environment.NATS_URL.split(',').map((url) => url.trim()),
      queue: queueGroupOf(service),
      name: `cube-${service}`,
      maxReconnectAttempts: -1,
    }).withMetrics(metrics);
    const app = await NestFactory.createMicroservice(
      CubeServiceModule.forRoot({ service, environment, database: options.database, features: options.features, metrics }),
      {
        strategy,
        bufferLogs: true,
        abortOnError: false,
      },
    );
    app.useLogger(app.get(Logger));
    app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
    await app.listen();
    app.get(Logger).log(`cube-${service} listening on NATS ${environment.NATS_URL}`);
    if (environment.CUBE_HEALTH_PORT > 0) {
      const probe = app.get(DependencyProbe);
      await HealthListener.start({
        port: environment.CUBE_HEALTH_PORT,
        metrics,
        readiness: async () => {
          const dependencies = await probe.states();
          if (!strategy.serving) dependencies['nats'] = 'down';
          return { ready: Object.values(dependencies).every((state) => state === 'up'), details: { service, dependencies } };
        },
      });
    }
  } catch (error: unknown) {
    exitWithReason(service, `failed to start: ${error instanceof Error ? error.message : String(error)}`);
  }
}
