import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { acceptRequestId, CubeMetrics } from '@cube/observability';
import { corsOrigins, GatewayEnvironment } from '../config/gateway-environment';
import { GATEWAY_ENVIRONMENT } from '../config/tokens';
import { KubeApiProxy, PROXY_PREFIX } from './kube-api-proxy';

/** The route label of proxied requests in the request-duration histogram. */
export const PROXY_METRICS_ROUTE = '/api/v1/proxy/clusters/*path';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Proxied requests are served from the HTTP server's `request` event, before Express and Nest: the
 * proxy answers them itself, so the router, the middleware chain and pino-http's per-request line
 * only cost time (they were most of a proxied read's CPU). Everything else goes to Express as before.
 * The proxy does what the middleware did for it: the request id (taken or made, echoed by the proxy
 * with the member's headers), the duration metric, and a log line per request (see KubeApiProxy.logOutcome).
 *
 * With CORS configured, a request carrying an Origin still takes the Express path, whose CORS
 * middleware answers preflights and adds the allow headers; kubectl and Kubernetes clients send none.
 */
@Injectable()
export class ProxyFastPath implements OnApplicationBootstrap {
  private readonly cors: boolean;

  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly proxy: KubeApiProxy,
    private readonly metrics: CubeMetrics,
    @Inject(GATEWAY_ENVIRONMENT) env: GatewayEnvironment,
  ) {
    this.cors = corsOrigins(env) !== null;
  }

  onApplicationBootstrap(): void {
    const server = this.adapter.httpAdapter.getHttpServer() as Server;
    const others = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.url?.startsWith(PROXY_PREFIX) && !(this.cors && req.headers.origin !== undefined)) {
        this.serve(req, res);
        return;
      }
      for (const listener of others) listener.call(server, req, res);
    });
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    (res as Timed)[STARTED] = process.hrtime.bigint();
    (res as Timed)[OBSERVE] = this.observe;
    res.once('finish', onFinish);
    void this.proxy.handle(req, res, acceptRequestId(req), true);
  }

  private readonly observe = (method: string, statusCode: number, seconds: number): void =>
    this.metrics.httpRequestDuration.observe({ method, route: PROXY_METRICS_ROUTE, status_code: String(statusCode) }, seconds);
}

const STARTED = Symbol('cube.proxy.started');
const OBSERVE = Symbol('cube.proxy.observe');

type Timed = ServerResponse & { [STARTED]?: bigint; [OBSERVE]?: (method: string, statusCode: number, seconds: number) => void };

/** `finish` of a proxied response: one listener function for every request (no closure per request). */
function onFinish(this: Timed): void {
  const started = this[STARTED];
  if (started === undefined) return;
  this[OBSERVE]?.(this.req.method ?? '', this.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
}
