import { spawnSync } from 'node:child_process';
import { RunningStack } from '@cube/dev-stack';
import { freePort } from '@cube/messaging/testing';
import { parsePrometheusText, sampleValue } from '@cube/observability/testing';
import { eventually, LineLog, startTestStack, TestStack, validateOpenApi, waitForStatus } from './support';

// The real stack as `npm start` runs it, with real PostgreSQL and NATS.
describe('the Cube stack', () => {
  const log = new LineLog();
  let running: TestStack;
  let stack: RunningStack;
  // Internal listeners (/metrics) of the processes the metrics spec scrapes.
  const healthPorts: Record<'gateway' | 'identity' | 'audit', number> = { gateway: 0, identity: 0, audit: 0 };

  beforeAll(async () => {
    for (const name of Object.keys(healthPorts) as (keyof typeof healthPorts)[]) healthPorts[name] = await freePort();
    // debug: the health pings' "rpc handled" lines are written at debug (every /readyz asks each service).
    running = await startTestStack('stack', { LOG_LEVEL: 'debug', CUBE_CORS_ORIGINS: 'https://console.example.com' }, log.push, {
      healthPorts,
    });
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
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
    expect(Object.keys(document.paths)).not.toContain('/metrics');
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

  it("keeps metrics off the public port and serves them on each process's internal listener", async () => {
    expect((await fetch(`${stack.gatewayUrl}/metrics`)).status).toBe(404);
    // One refused login: a gateway route answering 401, and identity's error reply over NATS.
    const login = await fetch(`${stack.gatewayUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'nobody', password: 'not-the-password' }),
    });
    expect(login.status).toBe(401);
    const scrape = async (name: keyof typeof healthPorts) => {
      const response = await fetch(`http://127.0.0.1:${healthPorts[name]}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const text = await response.text();
      // Prometheus' own linter (names, types, help) finds nothing in Cube's metrics; prom-client's default
      // `nodejs_active_*_total` gauges break its `_total` convention, which is not ours to change.
      const linted = spawnSync(process.env['PROMTOOL'] ?? 'promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(linted.error).toBeUndefined();
      expect(`${linted.stdout}${linted.stderr}`.split('\n').filter((line) => !/^(nodejs_|$)/.test(line))).toEqual([]);
      return parsePrometheusText(text);
    };

    const gateway = await scrape('gateway');
    const route = { service: 'gateway', method: 'POST', route: '/api/v1/auth/login', status_code: '401' };
    expect(sampleValue(gateway, 'cube_http_request_duration_seconds_count', route)).toBeGreaterThanOrEqual(1);
    expect(gateway.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);

    const identity = await scrape('identity');
    const refused = { service: 'identity', subject: 'cube.identity.auth.login', outcome: 'error', reason: 'UNAUTHENTICATED' };
    expect(sampleValue(identity, 'cube_nats_requests_total', refused)).toBeGreaterThanOrEqual(1);
    // identity's event outbox (its table) and audit outbox (in memory) are both reported.
    expect(sampleValue(identity, 'cube_outbox_pending', { outbox: 'events' })).toBeGreaterThanOrEqual(0);
    expect(sampleValue(identity, 'cube_outbox_pending', { outbox: 'audit' })).toBe(0);

    // The audit service's consumer of CUBE_AUDIT, once its ingestor created it.
    const lag = await eventually('the audit consumer lag', 30_000, async () => {
      const audit = await scrape('audit');
      return sampleValue(audit, 'cube_jetstream_consumer_pending_messages', { stream: 'CUBE_AUDIT', consumer: 'cube-audit-store' });
    });
    expect(lag).toBeGreaterThanOrEqual(0);
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
