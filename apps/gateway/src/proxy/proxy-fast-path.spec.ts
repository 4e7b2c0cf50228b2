import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpAdapterHost } from '@nestjs/core';
import { CubeMetrics } from '@cube/observability';
import { GatewayEnvironment } from '../config/gateway-environment';
import { KubeApiProxy } from './kube-api-proxy';
import { PROXY_METRICS_ROUTE, ProxyFastPath } from './proxy-fast-path';

interface Answer {
  status: number;
  body: string;
  requestId: string | undefined;
}

// The fast path on a real HTTP server: which requests it takes from Express, and what it keeps of
// the middleware it skips (request id, duration metric).
describe('ProxyFastPath', () => {
  let server: Server;
  let port: number;
  let metrics: CubeMetrics;
  const served: { by: string; url: string; requestId?: string; logOutcome?: boolean }[] = [];

  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, requestId: res.headers['x-request-id'] as string | undefined }));
      });
      req.once('error', reject);
      req.end();
    });

  async function start(cors: string): Promise<void> {
    served.length = 0;
    // Express stands here as the listener the server had before the fast path was installed.
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      served.push({ by: 'express', url: req.url ?? '' });
      res.end('express');
    });
    const proxy = {
      handle: async (req: IncomingMessage, res: ServerResponse, requestId: string, logOutcome: boolean) => {
        served.push({ by: 'proxy', url: req.url ?? '', requestId, logOutcome });
        // The proxy answers the id it was handed (see KubeApiProxy.handle with fastPath).
        res.writeHead(200, { 'content-type': 'text/plain', 'x-request-id': requestId });
        res.end('proxy');
      },
    } as unknown as KubeApiProxy;
    metrics = new CubeMetrics('gateway');
    const adapter = { httpAdapter: { getHttpServer: () => server } } as unknown as HttpAdapterHost;
    const env = Object.assign(new GatewayEnvironment(), { CUBE_CORS_ORIGINS: cors });
    new ProxyFastPath(adapter, proxy, metrics, env).onApplicationBootstrap();
    port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  }

  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('hands proxy requests to the proxy with a request id and the rest to Express', async () => {
    await start('');
    const proxied = await get('/api/v1/proxy/clusters/east/api/v1/pods?watch=1', { 'x-request-id': 'abc-123' });
    const made = await get('/api/v1/proxy/clusters/east/api');
    const other = await get('/api/v1/clusters');
    const nearMiss = await get('/api/v1/proxy/elsewhere');
    expect([proxied.body, made.body, other.body, nearMiss.body]).toEqual(['proxy', 'proxy', 'express', 'express']);
    expect(proxied.requestId).toBe('abc-123');
    expect(made.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(served).toEqual([
      { by: 'proxy', url: '/api/v1/proxy/clusters/east/api/v1/pods?watch=1', requestId: 'abc-123', logOutcome: true },
      { by: 'proxy', url: '/api/v1/proxy/clusters/east/api', requestId: made.requestId, logOutcome: true },
      { by: 'express', url: '/api/v1/clusters' },
      { by: 'express', url: '/api/v1/proxy/elsewhere' },
    ]);
    const histogram = await metrics.httpRequestDuration.get();
    const counts = histogram.values.filter((v) => v.metricName === 'cube_http_request_duration_seconds_count');
    expect(counts).toEqual([
      expect.objectContaining({
        value: 2,
        labels: expect.objectContaining({ method: 'GET', route: PROXY_METRICS_ROUTE, status_code: '200' }),
      }),
    ]);
  });

  it('leaves requests with an Origin to Express (and its CORS middleware) when CORS is configured', async () => {
    await start('https://console.example');
    const browser = await get('/api/v1/proxy/clusters/east/api', { origin: 'https://console.example' });
    const kubectl = await get('/api/v1/proxy/clusters/east/api');
    expect([browser.body, kubectl.body]).toEqual(['express', 'proxy']);
  });
});
