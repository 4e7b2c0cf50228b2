import { createHmac } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { RunningStack } from '@cube/dev-stack';
import { gatewayClient, Json, LineLog, makeTenant, startTestStack, TestStack, until, userBoundTo, waitForStatus } from './support';

const ADMIN_PASSWORD = 'e2e-webhooks-secret-2026';
const DISABLE_AFTER = 5;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A local HTTP receiver: `/ok/*` answers 204, `/flaky` fails each event's first three attempts, `/down` always fails. */
class Receiver {
  readonly received: Received[] = [];
  private server!: Server;
  private readonly attemptsById = new Map<string, number>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const id = String(req.headers['webhook-id']);
        const attempt = (this.attemptsById.get(`${req.url}|${id}`) ?? 0) + 1;
        this.attemptsById.set(`${req.url}|${id}`, attempt);
        const status = req.url === '/down' ? 500 : req.url === '/flaky' && attempt <= 3 ? 503 : 204;
        this.received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  at(path: string): (Received & { event: Json })[] {
    return this.received.filter((r) => r.path === path).map((r) => ({ ...r, event: JSON.parse(r.body) as Json }));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** What a receiver does with the Standard Webhooks headers. */
function signatureOf(secret: string, headers: IncomingHttpHeaders, body: string): string {
  const signed = `${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${body}`;
  return `v1,${createHmac('sha256', secret).update(signed).digest('base64')}`;
}

// Issue #22 part 4: CUBE_EVENTS events POSTed to subscribed receivers as signed CloudEvents.
describe('outbound webhooks', () => {
  const log = new LineLog();
  const receiver = new Receiver();
  let running: TestStack;
  let stack: RunningStack;
  let admin: string;
  const client = gatewayClient(() => stack.gatewayUrl);
  const secrets = { tenants: 'tenant-events-secret-0123456789', projects: 'project-events-secret-012345678' };
  const ids: Record<string, string> = {};

  const subscribe = async (name: string, path: string, events: string[], secret: string) => {
    const reply = await client.call('POST', '/api/v1/webhooks', { token: admin, body: { url: receiver.url(path), events, secret } });
    expect(reply.status).toBe(201);
    expect(reply.text).not.toContain(secret);
    expect(reply.body).not.toHaveProperty('secret');
    ids[name] = String(reply.body['id']);
  };

  beforeAll(async () => {
    await receiver.start();
    running = await startTestStack(
      'webhooks',
      {
        CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        CUBE_WEBHOOK_RETRY_BASE_MS: '50',
        CUBE_WEBHOOK_POLL_MS: '100',
        CUBE_WEBHOOK_DISABLE_AFTER: String(DISABLE_AFTER),
      },
      log.push,
    );
    stack = running.stack;
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    admin = await client.token('admin', ADMIN_PASSWORD);
    await subscribe('tenants', '/ok/tenants', ['cube.events.tenancy.tenant.*'], secrets.tenants);
    await subscribe('projects', '/ok/projects', ['cube.events.tenancy.project.>'], secrets.projects);
    await subscribe('flaky', '/flaky', ['cube.events.tenancy.tenant.created'], 'flaky-receiver-secret-0123456789');
    await subscribe('down', '/down', ['cube.events.>'], 'down-receiver-secret-0123456789ab');
    await makeTenant(client, admin, 'hooks-x');
    const project = await client.call('POST', '/api/v1/tenants/hooks-x/projects', { token: admin, body: { name: 'web' } });
    expect(project.status).toBe(201);
  }, 300_000);

  afterAll(async () => {
    await running?.stop();
    await receiver.stop();
  });

  it('delivers matching events as signed CloudEvents, and only those', async () => {
    await until(
      'the tenant and the project events arrive',
      async () => receiver.at('/ok/tenants').length > 0 && receiver.at('/ok/projects').length > 0,
    );
    const [tenant] = receiver.at('/ok/tenants');
    expect(tenant?.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    expect(tenant?.event).toMatchObject({
      specversion: '1.0',
      type: 'cube.events.tenancy.tenant.created',
      source: '/cube/tenancy',
      data: { entity: { kind: 'Tenant', name: 'hooks-x' } },
    });
    expect(tenant?.headers['webhook-id']).toBe(tenant?.event['id']);
    expect(tenant?.headers['webhook-signature']).toBe(signatureOf(secrets.tenants, tenant?.headers ?? {}, tenant?.body ?? ''));
    // The other subscription's key does not verify it.
    expect(tenant?.headers['webhook-signature']).not.toBe(signatureOf(secrets.projects, tenant?.headers ?? {}, tenant?.body ?? ''));
    const [project] = receiver.at('/ok/projects');
    expect(project?.headers['webhook-signature']).toBe(signatureOf(secrets.projects, project?.headers ?? {}, project?.body ?? ''));
    // Filters hold: each receiver only got the types it subscribed to.
    expect(new Set(receiver.at('/ok/tenants').map((r) => r.event['type']))).toEqual(new Set(['cube.events.tenancy.tenant.created']));
    expect(receiver.at('/ok/projects').every((r) => String(r.event['type']).startsWith('cube.events.tenancy.project.'))).toBe(true);
  });

  it('retries a failing receiver with the same id until it takes the event, then never again', async () => {
    let deliveries: Json[] = [];
    await until('the flaky receiver took the event', async () => {
      const reply = await client.call('GET', `/api/v1/webhooks/${ids['flaky']}/deliveries`, { token: admin });
      deliveries = (reply.body['items'] as Json[]) ?? [];
      return deliveries.some((d) => d['state'] === 'delivered');
    });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ state: 'delivered', attempts: 4, lastStatus: 204, lastError: null });
    const attempts = receiver.at('/flaky');
    expect(attempts.map((a) => a.answered)).toEqual([503, 503, 503, 204]);
    expect(new Set(attempts.map((a) => a.headers['webhook-id']))).toEqual(new Set([deliveries[0]?.['eventId']]));
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
  });

  it('disables a subscription after repeated failures, with the reason', async () => {
    let subscription: Json = {};
    await until('the always-failing subscription is disabled', async () => {
      subscription = (await client.call('GET', `/api/v1/webhooks/${ids['down']}`, { token: admin })).body;
      return subscription['enabled'] === false;
    });
    expect(subscription['disabledReason']).toContain(`${DISABLE_AFTER} failed deliveries in a row`);
    expect(subscription['disabledReason']).toContain('HTTP 500');
    // Attempts already in flight when the threshold was reached may add one per concurrent delivery.
    expect(receiver.at('/down').length).toBeGreaterThanOrEqual(DISABLE_AFTER);
  });

  it('refuses URLs that are not http(s) or point at the gateway itself', async () => {
    const secret = 'a-long-enough-secret-0123456789';
    const events = ['cube.events.>'];
    const port = new URL(stack.gatewayUrl).port;
    for (const url of [
      'ftp://example.com/hook',
      'javascript:alert(1)',
      `http://127.0.0.1:${port}/api/v1/tenants`,
      `http://localhost:${port}/x`,
    ]) {
      const reply = await client.call('POST', '/api/v1/webhooks', { token: admin, body: { url, events, secret } });
      expect({ url, status: reply.status }).toEqual({ url, status: 422 });
      expect(reply.body['details']).toMatchObject({ fields: [expect.objectContaining({ field: 'url' })] });
    }
  });

  it('is for platform admins only', async () => {
    await makeTenant(client, admin, 'hooks-t');
    const { token } = await userBoundTo(client, admin, {
      name: 'hooks-tenant-admin',
      role: 'tenant-admin',
      scope: { kind: 'tenant', tenant: 'hooks-t' },
    });
    const body = { url: receiver.url('/ok/tenant-admin'), events: ['cube.events.>'], secret: 'tenant-admin-secret-0123456789' };
    const create = await client.call('POST', '/api/v1/webhooks', { token, body });
    expect([403, 404]).toContain(create.status);
    expect((await client.call('GET', '/api/v1/webhooks', { token })).status).toBe(403);
    expect((await client.call('GET', `/api/v1/webhooks/${ids['tenants']}`, { token })).status).toBe(404);
    expect((await client.call('GET', '/api/v1/webhooks', {})).status).toBe(401);
  });

  it('audits subscriptions and deliveries', async () => {
    const actions = async (verb: string) =>
      ((await client.call('GET', `/api/v1/audit/events?verb=${verb}`, { token: admin })).body['items'] as Json[] | undefined) ?? [];
    await until('the webhook writes and deliveries are on the audit trail', async () => {
      const [created, delivered] = await Promise.all([actions('webhook.create'), actions('webhook.deliver')]);
      return created.length >= 4 && delivered.length >= 3;
    });
    const disabled = await actions('webhook.disable');
    expect(disabled).toHaveLength(1);
  });
});
