import { DynamicModule, Inject, Injectable, Module, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE, DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { DataSource, DataSourceOptions } from 'typeorm';
import { CubeService } from '@cube/contracts';
import { JetStreamModule, messagePayloadPipe, natsAuthOptions, RpcErrorFilter, SERVICE_BUS_ENVIRONMENT } from '@cube/messaging';
import { CUBE_VERSION, CubeMetrics, cubeLoggerParams, RpcRequestContextInterceptor } from '@cube/observability';
import { openServiceDataSource, serviceDataSourceOptions, ServiceDatabaseOptions } from '@cube/persistence';
import { BaseEnvironment, DatabaseServiceEnvironment } from './environment';
import { AuditInterceptor } from './audited';
import { DependencyProbe, healthControllerFor } from './health';
import { MessagingMetrics } from './messaging-metrics';

export const SERVICE_ENVIRONMENT = Symbol('SERVICE_ENVIRONMENT');
export const SERVICE_NAME = Symbol('SERVICE_NAME');

export interface CubeServiceModuleOptions {
  service: CubeService;
  environment: BaseEnvironment;
  /** Present for services that own a schema; absent for Warden. */
  database?: Pick<ServiceDatabaseOptions, 'migrations' | 'entities'>;
  /** The service's feature modules. */
  features?: DynamicModule['imports'];
  /** The process's metrics (its NATS server counts requests into the same registry); a fresh one when absent. */
  metrics?: CubeMetrics;
}

/** Records, after migrations, which Cube version started against this schema. */
@Injectable()
class StartedVersionRecorder implements OnApplicationBootstrap {
  constructor(
    @Inject(SERVICE_NAME) private readonly service: string,
    @Optional() @Inject(DataSource) private readonly dataSource?: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.dataSource) return;
    await this.dataSource.query(
      `INSERT INTO "${this.service}"."service_metadata" ("key", "value", "updated_at") VALUES ('started_version', $1, now())
       ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "updated_at" = now()`,
      [JSON.stringify(CUBE_VERSION)],
    );
  }
}

/** What every Cube microservice has in common: logging, validation, errors, health, its database. */
@Module({})
export class CubeServiceModule {
  static forRoot(options: CubeServiceModuleOptions): DynamicModule {
    const { service, environment, database } = options;
    const imports: NonNullable<DynamicModule['imports']> = [
      LoggerModule.forRoot(cubeLoggerParams(service, environment.LOG_LEVEL)),
      DiscoveryModule,
      JetStreamModule.forRoot({
        natsUrl: environment.NATS_URL.split(',').map((url) => url.trim()),
        auth: natsAuthOptions(environment),
        service,
        streams: { replicas: environment.CUBE_JETSTREAM_REPLICAS },
        desiredState: { replicas: environment.CUBE_JETSTREAM_REPLICAS },
      }),
    ];
    if (database) {
      const env = environment as DatabaseServiceEnvironment;
      imports.push(
        // Migrations run in openServiceDataSource, under the schema's advisory lock (replicas may start at once).
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...serviceDataSourceOptions({ url: env.DATABASE_URL, schema: service, poolMax: env.CUBE_DB_POOL_MAX, ...database }),
            retryAttempts: 0,
          }),
          dataSourceFactory: (dataSourceOptions) => openServiceDataSource(dataSourceOptions as DataSourceOptions),
        }),
      );
    }
    imports.push(...(options.features ?? []));
    return {
      module: CubeServiceModule,
      imports,
      controllers: [healthControllerFor(service)],
      providers: [
        { provide: SERVICE_ENVIRONMENT, useValue: environment },
        { provide: SERVICE_NAME, useValue: service },
        { provide: CubeMetrics, useValue: options.metrics ?? new CubeMetrics(service) },
        MessagingMetrics,
        // What ServiceBusModule.forService(service) reads, for the services that call others.
        { provide: SERVICE_BUS_ENVIRONMENT, useValue: environment },
        { provide: APP_INTERCEPTOR, useClass: RpcRequestContextInterceptor },
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
        { provide: APP_FILTER, useClass: RpcErrorFilter },
        { provide: APP_PIPE, useFactory: messagePayloadPipe },
        DependencyProbe,
        StartedVersionRecorder,
      ],
      exports: [SERVICE_ENVIRONMENT, SERVICE_NAME, SERVICE_BUS_ENVIRONMENT, CubeMetrics],
      global: true,
    };
  }
}
