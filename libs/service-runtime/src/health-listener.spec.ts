import { CubeMetrics } from '@cube/observability';
import { parsePrometheusText } from '@cube/observability/testing';
import { HealthListener, Readiness } from './health-listener';

describe('HealthListener', () => {
  let listener: HealthListener;
  let readiness: () => Promise<Readiness>;
  const get = (path: string, method = 'GET') => fetch(`http://127.0.0.1:${listener.port}${path}`, { method });

  beforeAll(async () => {
    listener = await HealthListener.start({ port: 0, host: '127.0.0.1', readiness: () => readiness() });
  });
  afterAll(() => listener.stop());

  it('answers /healthz while the process runs, whatever its dependencies say', async () => {
    readiness = () => Promise.resolve({ ready: false, details: {} });
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz 200 with the dependency states when ready, 503 when not', async () => {
    readiness = () => Promise.resolve({ ready: true, details: { dependencies: { nats: 'up', database: 'up' } } });
    const ok = await get('/readyz');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ready', dependencies: { nats: 'up', database: 'up' } });

    readiness = () => Promise.resolve({ ready: false, details: { dependencies: { nats: 'up', database: 'down' } } });
    const down = await get('/readyz');
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'unavailable', dependencies: { nats: 'up', database: 'down' } });
  });

  it('counts a failing readiness check as not ready, not as a crash', async () => {
    readiness = () => Promise.reject(new Error('boom'));
    const res = await get('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'unavailable' });
  });

  it('answers 404 elsewhere and 405 to writes', async () => {
    expect((await get('/metrics')).status).toBe(404);
    expect((await get('/readyz', 'POST')).status).toBe(405);
  });
});

describe('HealthListener with metrics', () => {
  it("serves the process's Prometheus registry at /metrics, read back by an independent Prometheus text parser", async () => {
    const metrics = new CubeMetrics('tenancy');
    metrics.observeNatsRequest('cube.tenancy.tenant.get', { outcome: 'error', reason: 'NOT_FOUND' }, 0.01);
    const listener = await HealthListener.start({ port: 0, host: '127.0.0.1', metrics });
    try {
      const res = await fetch(`http://127.0.0.1:${listener.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(metrics.contentType);
      const samples = parsePrometheusText(await res.text());
      expect(samples).toContainEqual({
        name: 'cube_nats_requests_total',
        labels: { service: 'tenancy', subject: 'cube.tenancy.tenant.get', outcome: 'error', reason: 'NOT_FOUND' },
        value: 1,
      });
      expect(samples.some((sample) => sample.name === 'process_cpu_user_seconds_total')).toBe(true);
      // Without a readiness check there is no /readyz on this listener.
      expect((await fetch(`http://127.0.0.1:${listener.port}/readyz`)).status).toBe(404);
    } finally {
      await listener.stop();
    }
  });
});
