import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { AUDIT_WEBHOOK_PATH } from '@cube/contracts';
import { makeWebhookCertificates, WebhookCertificates } from '@cube/kube';
import { CubeMetrics, registerWardenAuditSpool } from '@cube/observability';
import { parsePrometheusText, sampleValue } from '@cube/observability/testing';
import { until } from '@cube/messaging/testing';
import { KubeServer, startKubeServer } from '@cube/testing';
import { WebhookServer } from '../webhooks/webhook-server';
import { AuditSpool } from './audit-spool';
import { auditWebhook, AuditTokenSource } from './audit-webhook';

const TOKEN = 'cluster-audit-token-0123456789';

const eventList = (from: number, count: number) => ({
  kind: 'EventList',
  apiVersion: 'audit.k8s.io/v1',
  metadata: {},
  items: Array.from({ length: count }, (_, i) => ({
    auditID: `a-${from + i}`,
    stage: 'ResponseComplete',
    verb: 'create',
    requestURI: '/api/v1/namespaces',
  })),
});

describe("Warden's audit webhook", () => {
  let certs: WebhookCertificates;
  let stateDir: string;
  let spool: AuditSpool;
  let server: WebhookServer;
  let metrics: CubeMetrics;

  const post = (body: unknown, authorization?: string): Promise<{ status: number; retryAfter?: string; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request(
        `https://127.0.0.1:${server.port}${AUDIT_WEBHOOK_PATH}`,
        {
          method: 'POST',
          ca: certs.caCert,
          servername: 'localhost',
          headers: { 'Content-Type': 'application/json', ...(authorization ? { Authorization: authorization } : {}) },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: text }));
        },
      );
      req.once('error', reject);
      req.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
  const scrape = async (name: string) => sampleValue(parsePrometheusText(await metrics.registry.metrics()), name);

  beforeAll(async () => {
    certs = await makeWebhookCertificates(['localhost']);
  });

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'cube-audit-webhook-'));
    // Room for about three batches of ten events.
    spool = await AuditSpool.open(stateDir, 3 * 10 * 110);
    metrics = new CubeMetrics('warden');
    registerWardenAuditSpool(metrics, {
      spooledBytes: () => spool.bytes,
      rejectedEvents: () => spool.rejectedEvents,
      forwardedEvents: () => 0,
    });
    server = await WebhookServer.start({
      cert: certs.cert,
      key: certs.key,
      port: 0,
      host: '127.0.0.1',
      routes: { [AUDIT_WEBHOOK_PATH]: auditWebhook(spool, new AuditTokenSource(async () => TOKEN)) },
    });
  });

  afterEach(async () => {
    await server.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("takes a batch only with the cluster's audit token, bearer or a URL's user info, and spools it before answering", async () => {
    expect((await post(eventList(0, 1))).status).toBe(401);
    expect((await post(eventList(0, 1), 'Bearer wrong')).status).toBe(401);
    expect((await post({ kind: 'Event' }, `Bearer ${TOKEN}`)).status).toBe(400);
    expect((await post('{not json', `Bearer ${TOKEN}`)).status).toBe(400);
    expect(spool.bytes).toBe(0);
    const bearer = await post(eventList(0, 2), `Bearer ${TOKEN}`);
    expect(bearer).toMatchObject({ status: 200 });
    expect(JSON.parse(bearer.body)).toEqual({ accepted: 2 });
    const basic = await post(eventList(2, 1), `Basic ${Buffer.from(`member-a:${TOKEN}`).toString('base64')}`);
    expect(basic.status).toBe(200);
    expect((await spool.next(10))?.events.map((event) => event.id)).toEqual(['a-0', 'a-1']);
    expect(await scrape('cube_warden_audit_spool_bytes')).toBe(spool.bytes);
  });

  it('refuses batches with 503 and Retry-After once the spool is full, logs "audit spool full" and counts them, and takes batches again after draining', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      let accepted = 0;
      let refused: Awaited<ReturnType<typeof post>> | undefined;
      for (let i = 0; i < 10 && !refused; i++) {
        const answer = await post(eventList(i * 10, 10), `Bearer ${TOKEN}`);
        if (answer.status === 200) accepted += 1;
        else refused = answer;
      }
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toMatchObject({ status: 503, retryAfter: '5' });
      expect(JSON.parse(refused?.body ?? '{}').message).toContain('audit spool full');
      expect((await post(eventList(500, 10), `Bearer ${TOKEN}`)).status).toBe(503);
      // One line for the refusals of an interval, not one per batch.
      const logged = errors.mock.calls.filter((call) => String(call[1]).startsWith('audit spool full'));
      expect(logged).toHaveLength(1);
      expect(await scrape('cube_warden_audit_spool_rejected_total')).toBe(20);
      for (let batch = await spool.next(100); batch; batch = await spool.next(100)) await spool.commit(batch);
      expect((await post(eventList(600, 10), `Bearer ${TOKEN}`)).status).toBe(200);
      expect(await scrape('cube_warden_audit_spool_rejected_total')).toBe(20);
    } finally {
      errors.mockRestore();
    }
  });

  it('is what a kube-apiserver audit webhook posts to: its writes land in the spool', async () => {
    let member: KubeServer | undefined;
    try {
      member = await startKubeServer({
        name: 'member-a',
        auditWebhook: {
          url: `https://member-a:${TOKEN}@localhost:${server.port}${AUDIT_WEBHOOK_PATH}`,
          caBundle: certs.caCert,
          batchMaxSize: 1,
        },
      });
      await new Promise<void>((resolve, reject) => {
        const req = request(
          `${member?.url}/api/v1/namespaces`,
          {
            method: 'POST',
            ca: member?.caCert,
            headers: { Authorization: `Bearer ${member?.adminToken}`, 'Content-Type': 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
          },
        );
        req.once('error', reject);
        req.end(JSON.stringify({ metadata: { name: 'audited' } }));
      });
      const found = await until('the namespace create in the spool', async () =>
        (await spool.next(100))?.events.find(
          (event) => (JSON.parse(event.json) as { objectRef?: { name?: string } }).objectRef?.name === 'audited',
        ),
      );
      expect(JSON.parse(found.json)).toMatchObject({ verb: 'create', stage: 'ResponseComplete', objectRef: { resource: 'namespaces' } });
    } finally {
      await member?.stop();
    }
  });
});
