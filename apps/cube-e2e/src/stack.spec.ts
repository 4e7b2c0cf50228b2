import { RunningStack } from '@cube/dev-stack';
import { LineLog, startTestStack, TestStack, validateOpenApi, waitForStatus } from './support';

// The real stack as `npm start` runs it, with real PostgreSQL and NATS.
describe('the Cube stack', () => {
  const log = new LineLog();
  let running: TestStack;
  let stack: RunningStack;

  beforeAll(async () => {
    // debug: the health pings' "rpc handled" lines are written at debug (every /readyz asks each service).
    running = await startTestStack('stack', { LOG_LEVEL: 'debug', CUBE_CORS_ORIGINS: 'https://console.example.com' }, log.push);
    stack = running.stack;
  });

  afterAll(() => running?.stop());

  it('becomes ready once every service answers its ping', async () => {
    const response = await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    const body = (await response.json()) as {
      status: string;
      nats: string;
      missing: string[];
      services: Record<string, { version: string; dependencies: Record<string, string> }>;
    };
    expect(body.status).toBe('ready');
    expect(body.nats).toBe('up');
    expect(body.missing).toEqual([]);
    expect(Object.keys(body.services).sort()).toEqual(['audit', 'clusters', 'console', 'hotplug', 'identity', 'tenancy']);
    for (const reply of Object.values(body.services)) {
      expect(reply.version).toBe('0.1.0');
      expect(reply.dependencies).toEqual({ nats: 'up', database: 'up' });
    }
    expect(stack.databaseMode).toBe('external');
  });

  it('answers liveness without asking anyone', async () => {
    const response = await fetch(`${stack.gatewayUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it("carries the request id across the NATS hop into the services' logs", async () => {
    const requestId = `e2e-${Date.now()}`;
    const response = await fetch(`${stack.gatewayUrl}/readyz`, { headers: { 'X-Request-Id': requestId } });
    expect(response.headers.get('x-request-id')).toBe(requestId);
    const line = await log.waitFor((l) => l.startsWith('[identity] ') && l.includes(requestId));
    const entry = JSON.parse(line.slice('[identity] '.length)) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 20, service: 'identity', requestId, subject: 'cube.identity.health.ping', msg: 'rpc handled' });
  });

  it('logs every other request handled over NATS at info', async () => {
    const requestId = `e2e-login-${Date.now()}`;
    const response = await fetch(`${stack.gatewayUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId },
      body: JSON.stringify({ username: 'nobody', password: 'not-the-password' }),
    });
    expect(response.status).toBe(401);
    const line = await log.waitFor((l) => l.startsWith('[identity] ') && l.includes(requestId) && l.includes('rpc handled'));
    const entry = JSON.parse(line.slice('[identity] '.length)) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 30, requestId, subject: 'cube.identity.auth.login', msg: 'rpc handled' });
  });

  it('serves a valid OpenAPI 3 document and its UI', async () => {
    const document = (await (await fetch(`${stack.gatewayUrl}/api/docs/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(validateOpenApi(document)).toEqual({ valid: true, error: '' });
    expect(validateOpenApi({ ...document, paths: { '/x': { get: { responses: 'nope' } } } }).valid).toBe(false);
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics']));
    const ui = await fetch(`${stack.gatewayUrl}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
  });

  it('documents the events on the bus as AsyncAPI', async () => {
    const response = await fetch(`${stack.gatewayUrl}/api/docs/asyncapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { asyncapi: string; channels: Record<string, { subscribe?: unknown }> };
    expect(document.asyncapi).toMatch(/^2\./);
    expect(Object.keys(document.channels)).toEqual(
      expect.arrayContaining(['cube.events.identity.user.created', 'cube.events.identity.binding.deleted']),
    );
  });

  it('exposes Prometheus metrics with request histograms', async () => {
    await fetch(`${stack.gatewayUrl}/healthz`);
    const response = await fetch(`${stack.gatewayUrl}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(
      /cube_http_request_duration_seconds_count\{service="gateway",method="GET",route="\/healthz",status_code="200"\} \d+/,
    );
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('answers errors with the error contract', async () => {
    const response = await fetch(`${stack.gatewayUrl}/api/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ code: 'NOT_FOUND', message: 'Cannot GET /api/v1/nothing-here', details: {} });
  });

  it('allows the configured SPA origin and no other', async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.gatewayUrl}/readyz`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' } });
    expect((await preflight('https://console.example.com')).headers.get('access-control-allow-origin')).toBe('https://console.example.com');
    expect((await preflight('https://evil.example.com')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('turns degraded naming the service that stopped, and ready again when it is back', async () => {
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    await stack.stopProcess('tenancy');
    const response = await fetch(`${stack.gatewayUrl}/readyz`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; missing: string[] };
    expect(body.status).toBe('degraded');
    expect(body.missing).toEqual(['tenancy']);
    await stack.startProcess('tenancy');
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
  });

  // That in-flight requests are answered during shutdown is proven in libs/messaging
  // (draining-nats.server.spec.ts); here: the process honours SIGTERM cleanly and comes back.
  it('stops a service on SIGTERM without error logs, and it rejoins', async () => {
    await stack.stopProcess('audit');
    const shutdownLine = await log.waitFor((l) => l.startsWith('[stack] audit exited'));
    // Nest re-raises the signal after its shutdown hooks ran: an exit by SIGTERM, not a crash code.
    expect(shutdownLine).toBe('[stack] audit exited (SIGTERM)');
    expect(log.all().filter((l) => l.startsWith('[audit]') && /"level":(50|60)/.test(l))).toEqual([]);
    await stack.startProcess('audit');
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
  });
});
