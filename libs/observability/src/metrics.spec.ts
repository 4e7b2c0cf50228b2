import { CubeMetrics } from './metrics';

describe('CubeMetrics', () => {
  it('renders observed HTTP requests as a Prometheus histogram with the service label', async () => {
    const metrics = new CubeMetrics('gateway');
    metrics.httpRequestDuration.observe({ method: 'GET', route: '/healthz', status_code: '200' }, 0.003);
    const text = await metrics.render();
    expect(text).toContain('# TYPE cube_http_request_duration_seconds histogram');
    expect(text).toMatch(
      /cube_http_request_duration_seconds_count\{service="gateway",method="GET",route="\/healthz",status_code="200"\} 1/,
    );
  });

  it('keeps registries of two instances apart', async () => {
    const a = new CubeMetrics('a');
    const b = new CubeMetrics('b');
    a.httpRequestDuration.observe({ method: 'GET', route: '/x', status_code: '200' }, 1);
    expect(await b.render()).not.toContain('route="/x"');
  });
});
