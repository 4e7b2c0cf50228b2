import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { cubeValidationPipe } from '@cube/messaging';
import { CubeMetrics, cubeLoggerParams } from '@cube/observability';
import { BusModule } from './bus/bus.module';
import { GatewayEnvironment } from './config/gateway-environment';
import { GATEWAY_ENVIRONMENT } from './config/tokens';
import { HttpErrorFilter } from './errors/http-error.filter';
import { HealthController } from './health/health.controller';
import { ReadinessService } from './health/readiness.service';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsController } from './metrics/metrics.controller';

/** The HTTP edge: REST, docs, health and metrics; every domain request goes over NATS. */
@Module({})
export class GatewayModule implements NestModule {
  static register(env: GatewayEnvironment): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        LoggerModule.forRoot(cubeLoggerParams('gateway', env.LOG_LEVEL, ['/healthz', '/readyz', '/metrics'])),
        { module: ConfigHolderModule, providers: [{ provide: GATEWAY_ENVIRONMENT, useValue: env }], exports: [GATEWAY_ENVIRONMENT], global: true },
        BusModule,
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: CubeMetrics, useFactory: () => new CubeMetrics('gateway') },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        { provide: APP_PIPE, useFactory: cubeValidationPipe },
        ReadinessService,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}

@Module({})
class ConfigHolderModule {}
