import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { corsOrigins, GatewayEnvironment } from './config/gateway-environment';
import { serveOpenApi } from './docs/openapi';
import { GatewayModule } from './gateway.module';

/** Builds the gateway application exactly as production runs it (also used by in-process tests). */
export async function createGateway(env: GatewayEnvironment): Promise<INestApplication> {
  const app = await NestFactory.create(GatewayModule.register(env), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.getHttpAdapter().getInstance().disable('x-powered-by');
  const origins = corsOrigins(env);
  if (origins) {
    app.enableCors({ origin: origins, credentials: origins !== '*', exposedHeaders: ['x-request-id', 'retry-after'] });
  }
  serveOpenApi(app);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return app;
}
