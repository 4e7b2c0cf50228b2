// The audit webhook sink: EventList batches of every request (allowed, forbidden, unauthenticated,
// long-running), with the fields kube-apiserver's webhook backend sends.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { request } from 'node:https';
import { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { AuditEvent } from './audit-sink';
import { ADMIN_USER, KubeServer, startKubeServer } from './server';
import { rawRequest } from './testing/http-client';

interface Received {
  kind: string;
  apiVersion: string;
  items: AuditEvent[];
}

/** An HTTP audit receiver; `respond` decides each answer's status code. */
async function startReceiver(respond: () => number = () => 200) {
  const batches: Received[] = [];
  const waiters: (() => void)[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const code = respond();
      if (code === 200) {
        batches.push(JSON.parse(Buffer.concat(chunks).toString()) as Received);
        waiters.splice(0).forEach((w) => w());
      }
      res.writeHead(code);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit`,
    batches,
    events: () => batches.flatMap((b) => b.items),
    nextBatch: () => new Promise<void>((r) => waiters.push(r)),
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

describe('audit webhook sink', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let server: KubeServer;
  const auditIds: Record<string, string> = {};

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startKubeServer({
      name: 'audit-spec',
      // Secrets are refused to everyone: a 403 to audit.
      authorizer: async (_user, info) =>
        info.resource === 'secrets'
          ? { allowed: false, reason: 'secrets are off limits' }
          : { allowed: true, reason: 'test authorizer allows it' },
      auditWebhook: {
        url: receiver.url,
        batchMaxSize: 1000,
        batchMaxWaitMs: 60_000,
      },
    });
    const record = async (name: string, r: Promise<{ headers: Record<string, unknown> }>) => {
      auditIds[name] = String((await r).headers['audit-id']);
    };
    await record(
      'create',
      rawRequest(server, {
        method: 'POST',
        path: '/api/v1/namespaces/default/configmaps',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'audit-spec/1.0',
        },
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'audited' },
          data: { a: '1' },
        }),
      }),
    );
    await record('forbidden', rawRequest(server, { path: '/api/v1/namespaces/default/secrets' }));
    await record('unauthenticated', rawRequest(server, { path: '/api/v1/namespaces', token: null }));
    await record(
      'missing',
      rawRequest(server, {
        path: '/api/v1/namespaces/default/configmaps/nope',
      }),
    );
    await record('watch', watchUntilHeaders(server));
    const pods = server.registry.findAnyVersion('', 'pods');
    if (!pods) throw new Error('no pods');
    await server.api.create(
      pods,
      'default',
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web' },
        spec: { containers: [{ name: 'web', image: 'busybox' }] },
      },
      { manager: 'audit-spec', user: ADMIN_USER },
    );
    await server.settled();
    await record('exec', execOverWebSocket(server, 'web'));
    await record('exec-missing', execOverWebSocket(server, 'nope'));
    // stop() flushes the pending batch: the sync point, no waiting on the 60 s timer.
    await server.stop();
  });

  afterAll(async () => {
    await receiver?.stop();
  });

  const eventsOf = (name: string) => receiver.events().filter((e) => e.auditID === auditIds[name]);

  it('audits an exec session at its switch (101) and its end, and a refused one with its Status', () => {
    expect(eventsOf('exec').map((e) => [e.stage, e.responseStatus?.code])).toEqual([
      ['ResponseStarted', 101],
      ['ResponseComplete', 101],
    ]);
    expect(eventsOf('exec')[0]).toMatchObject({
      verb: 'get',
      objectRef: {
        resource: 'pods',
        subresource: 'exec',
        name: 'web',
        namespace: 'default',
      },
    });
    expect(eventsOf('exec-missing')).toContainEqual(
      expect.objectContaining({
        stage: 'ResponseComplete',
        responseStatus: expect.objectContaining({
          code: 404,
          reason: 'NotFound',
        }),
      }),
    );
  });

  it('posts audit.k8s.io/v1 EventLists', () => {
    expect(receiver.batches.length).toBeGreaterThanOrEqual(1);
    for (const b of receiver.batches) {
      expect(b.kind).toBe('EventList');
      expect(b.apiVersion).toBe('audit.k8s.io/v1');
    }
  });

  it('reports a request with its user, verb, object, status and the Audit-Id header', () => {
    const [ev] = eventsOf('create');
    expect(eventsOf('create')).toHaveLength(1);
    expect(ev).toMatchObject({
      level: 'Metadata',
      stage: 'ResponseComplete',
      requestURI: '/api/v1/namespaces/default/configmaps',
      verb: 'create',
      user: {
        username: 'kubernetes-admin',
        groups: ['system:masters', 'system:authenticated'],
      },
      sourceIPs: ['127.0.0.1'],
      userAgent: 'audit-spec/1.0',
      objectRef: {
        resource: 'configmaps',
        namespace: 'default',
        name: 'audited',
        apiVersion: 'v1',
      },
      responseStatus: { metadata: {}, code: 201 },
      annotations: {
        'authorization.k8s.io/decision': 'allow',
        'authorization.k8s.io/reason': 'test authorizer allows it',
      },
    });
    expect(ev.auditID).toMatch(/^[0-9a-f-]{36}$/);
    expect(ev.requestReceivedTimestamp).toMatch(MICRO_TIME);
    expect(ev.stageTimestamp).toMatch(MICRO_TIME);
    expect(ev.stageTimestamp >= ev.requestReceivedTimestamp).toBe(true);
    expect(ev.requestObject).toBeUndefined();
    expect(ev.responseObject).toBeUndefined();
  });

  it('audits a forbidden request with its Status and the decision', () => {
    expect(eventsOf('forbidden')).toEqual([
      expect.objectContaining({
        verb: 'list',
        stage: 'ResponseComplete',
        objectRef: {
          resource: 'secrets',
          namespace: 'default',
          apiVersion: 'v1',
        },
        responseStatus: {
          metadata: {},
          status: 'Failure',
          message:
            'secrets is forbidden: User "kubernetes-admin" cannot list resource "secrets" in API group "" in the namespace "default": secrets are off limits',
          reason: 'Forbidden',
          details: { kind: 'secrets' },
          code: 403,
        },
        annotations: {
          'authorization.k8s.io/decision': 'forbid',
          'authorization.k8s.io/reason': 'secrets are off limits',
        },
      }),
    ]);
  });

  it('audits an unauthenticated request once, at ResponseStarted, with no user', () => {
    expect(eventsOf('unauthenticated')).toEqual([
      expect.objectContaining({
        stage: 'ResponseStarted',
        verb: 'list',
        user: {},
        responseStatus: {
          metadata: {},
          status: 'Failure',
          message: 'Unauthorized',
          reason: 'Unauthorized',
          code: 401,
        },
      }),
    ]);
  });

  it('reports the status actually written for failures', () => {
    expect(eventsOf('missing')[0].responseStatus).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'configmaps "nope" not found',
    });
  });

  it('reports a watch when its response starts and when it ends', () => {
    const stages = eventsOf('watch').map((e) => [e.stage, e.verb, e.responseStatus?.code]);
    expect(stages).toEqual([
      ['ResponseStarted', 'watch', 200],
      ['ResponseComplete', 'watch', 200],
    ]);
  });
});

/** Opens a watch, resolves with its response headers once they arrive, then hangs up. */
function watchUntilHeaders(server: KubeServer): Promise<{ headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/api/v1/namespaces/default/configmaps?watch=1', server.url),
      {
        ca: server.caCert,
        headers: { Authorization: `Bearer ${server.adminToken}` },
      },
      (res) => {
        resolve({ headers: res.headers });
        req.destroy();
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ECONNRESET') reject(e);
    });
    req.end();
  });
}

describe('audit webhook batching and delivery', () => {
  it('sends a batch when it is full and when its wait is over, at RequestResponse level', async () => {
    const receiver = await startReceiver();
    const server = await startKubeServer({
      name: 'audit-batches',
      auditWebhook: {
        url: receiver.url,
        level: 'RequestResponse',
        batchMaxSize: 2,
        batchMaxWaitMs: 20,
      },
    });
    try {
      const full = receiver.nextBatch();
      await rawRequest(server, {
        path: '/api/v1/namespaces/default/configmaps',
      });
      await rawRequest(server, {
        path: '/api/v1/namespaces/default/configmaps',
      });
      await full;
      expect(receiver.batches[0].items).toHaveLength(2);
      const timed = receiver.nextBatch();
      await rawRequest(server, {
        method: 'POST',
        path: '/api/v1/namespaces/default/configmaps',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'rr' },
        }),
      });
      await timed;
      const [ev] = receiver.batches[1].items;
      expect(ev.level).toBe('RequestResponse');
      expect(ev.requestObject).toMatchObject({
        kind: 'ConfigMap',
        metadata: { name: 'rr' },
      });
      expect(ev.responseObject).toMatchObject({
        kind: 'ConfigMap',
        metadata: { name: 'rr', namespace: 'default' },
      });
    } finally {
      await server.stop();
      await receiver.stop();
    }
  });

  it('never fails a request when the webhook refuses the batch, and drops it with a warning', async () => {
    let calls = 0;
    const receiver = await startReceiver(() => {
      calls++;
      return 503;
    });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const server = await startKubeServer({
      name: 'audit-down',
      auditWebhook: { url: receiver.url, batchMaxSize: 1 },
    });
    try {
      const r = await rawRequest(server, { path: '/api/v1/namespaces' });
      expect(r.status).toBe(200);
    } finally {
      await server.stop();
      await receiver.stop();
    }
    expect(calls).toBe(3);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('audit webhook: dropped 1 event(s)'));
    warn.mockRestore();
  });
});

/** `echo hi` in a pod over WebSocket (v5); resolves with the upgrade's or the refusal's headers when the exchange ends. */
function execOverWebSocket(server: KubeServer, pod: string): Promise<{ headers: Record<string, unknown> }> {
  const url = `${server.url.replace('https', 'wss')}/api/v1/namespaces/default/pods/${pod}/exec?command=echo&command=hi&stdout=true`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['v5.channel.k8s.io'], {
      ca: server.caCert,
      headers: { Authorization: `Bearer ${server.adminToken}` },
    });
    let headers: Record<string, unknown> = {};
    ws.on('upgrade', (res) => (headers = res.headers));
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      res.on('end', () => resolve({ headers: res.headers }));
    });
    ws.on('close', () => resolve({ headers }));
    ws.on('error', reject);
  });
}
