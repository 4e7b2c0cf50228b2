import { readFileSync } from 'node:fs';
import { json, NextFunction, Request, Response, urlencoded } from 'express';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { corsOrigins, GatewayEnvironment, tlsFilesOf } from './config/gateway-environment';
import { serveOpenApi } from './docs/openapi';
import { GatewayModule } from './gateway.module';
import { PROXY_PREFIX } from './proxy/kube-api-proxy';

/** Builds the gateway application exactly as production runs it (also used by in-process tests). */
export async function createGateway(env: GatewayEnvironment): Promise<NestExpressApplication> {
  const tls = tlsFilesOf(env);
  const httpsOptions = tls ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } : undefined;
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.register(env), {
    bufferLogs: true,
    abortOnError: false,
    httpsOptions,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // Audit webhooks post EventList batches of up to 400 events: a larger body limit on that path only.
  // Wrapped, because Nest skips its own JSON parser when it finds a layer named jsonParser.
  const auditWebhookBody = json({ limit: '16mb' });
  app.use('/api/v1/audit/clusters', (req: Request, res: Response, next: NextFunction) => auditWebhookBody(req, res, next));
  // Custom component bundles may be 2 MiB of YAML (checked with a 422 by the controller); JSON-escaped a little more.
  const bundleBody = json({ limit: '3mb' });
  app.use('/api/v1/hotplug/components', (req: Request, res: Response, next: NextFunction) => bundleBody(req, res, next));
  // Nest adds its own JSON and urlencoded parsers unless layers with these names exist. These are
  // Nest's defaults, except that they leave the native API proxy's bodies alone: those stream to
  // the member cluster as they arrive.
  const jsonBody = json();
  const formBody = urlencoded({ extended: true });
  app.use(function jsonParser(req: Request, res: Response, next: NextFunction) {
    if (req.url.startsWith(PROXY_PREFIX)) next();
    else jsonBody(req, res, next);
  });
  app.use(function urlencodedParser(req: Request, res: Response, next: NextFunction) {
    if (req.url.startsWith(PROXY_PREFIX)) next();
    else formBody(req, res, next);
  });
  if (env.CUBE_TRUST_PROXY) app.set('trust proxy', env.CUBE_TRUST_PROXY);
  const origins = corsOrigins(env);
  if (origins) {
    app.enableCors({ origin: origins, credentials: origins !== '*', exposedHeaders: ['x-request-id', 'retry-after'] });
  }
  serveOpenApi(app);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  return app;
}
