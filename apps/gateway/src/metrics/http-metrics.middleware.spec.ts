import { Controller, Get, INestApplication, MiddlewareConsumer, Module, NestModule, NotFoundException, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CubeMetrics } from '@cube/observability';
import { parsePrometheusText, sampleValue } from '@cube/observability/testing';
import { HttpMetricsMiddleware } from './http-metrics.middleware';

@Controller('api/v1/tenants')
class TenantsController {
  @Get(':tenant/projects/:project')
  project(@Param('tenant') tenant: string, @Param('project') project: string): { name: string } {
    if (project === 'gone') throw new NotFoundException();
    return { name: `${tenant}/${project}` };
  }
}

const metrics = new CubeMetrics('gateway');

@Module({ controllers: [TenantsController], providers: [{ provide: CubeMetrics, useValue: metrics }] })
class SpecModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}

describe('HttpMetricsMiddleware', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create(SpecModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  it('labels requests with the route template, never the raw path with its names', async () => {
    expect((await fetch(`${base}/api/v1/tenants/acme/projects/web`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/tenants/globex/projects/shop`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/tenants/acme/projects/gone`)).status).toBe(404);
    expect((await fetch(`${base}/no/such/path/acme`)).status).toBe(404);

    const samples = parsePrometheusText(await metrics.render());
    const route = '/api/v1/tenants/:tenant/projects/:project';
    const count = (labels: Record<string, string>) => sampleValue(samples, 'cube_http_request_duration_seconds_count', labels);
    expect(count({ method: 'GET', route, status_code: '200' })).toBe(2);
    expect(count({ method: 'GET', route, status_code: '404' })).toBe(1);
    expect(count({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    const routes = new Set(samples.filter((s) => s.name === 'cube_http_request_duration_seconds_count').map((s) => s.labels['route']));
    expect([...routes].sort()).toEqual([route, 'unmatched']);
  });
});
