import { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { connect } from 'nats';
import { freePort } from '@cube/dev-stack';
import { parsePrometheusText, sampleValue } from '@cube/observability/testing';
import { AuditWebhookOptions, KubeServer, startKubeServer } from '@cube/testing';
import {
  eventually,
  gatewayClient,
  Json,
  kubeCall,
  LineLog,
  startTestStack,
  tempDir,
  TestStack,
  waitForStatus,
  spawnWarden,
} from './support';

const ADMIN_PASSWORD = 'e2e-audit-spool-secret-2026';
const CLUSTER = 'member-s';
const NAMESPACE = 'spooled';
const WRITES = 500;

const secretValue = async (member: KubeServer, name: string, key: string) => {
  const secret = await kubeCall(member, 'GET', `/api/v1/namespaces/cube-system/secrets/${name}`);
  return Buffer.from(String((secret.body['data'] as Json)[key]), 'base64').toString('utf8');
};

// Issue #22 part 3, Done when: with NATS stopped, 500 writes on the member; NATS restarted; all 500
// native audit records exactly once in Cube, in order. The member's apiserver posts its audit batches
// to Warden (POST /audit), which spools them on disk and forwards them over JetStream.
describe("native audit through Warden's disk spool across a control-plane outage", () => {
  const log = new LineLog();
  let running: TestStack;
  let adminToken: string;
  let dir: { path: string; remove(): Promise<void> };
  let member: KubeServer;
  let warden: ChildProcess | undefined;
  let webhookPort: number;
  let healthPort: number;
  // The apiserver's --audit-webhook-config-file: the URL (with the cluster's audit token) and CA are set once registration made them.
  let auditWebhook: AuditWebhookOptions;

  const client = gatewayClient(() => running.stack.gatewayUrl);
  const call = (method: string, path: string, body?: unknown) => client.call(method, path, { token: adminToken, body });

  /** Every native record of the namespace's config maps, newest first as the API pages them. */
  const configMapRecords = async (): Promise<Json[]> => {
    const records: Json[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({
        source: 'kubernetes',
        cluster: CLUSTER,
        namespace: NAMESPACE,
        resource: 'configmaps',
        limit: '500',
      });
      if (cursor) query.set('cursor', cursor);
      const page = await call('GET', `/api/v1/audit/events?${query.toString()}`);
      expect(page.status).toBe(200);
      records.push(...(page.body['items'] as Json[]));
      cursor = (page.body['nextCursor'] as string | null) ?? null;
    } while (cursor);
    return records;
  };

  const wardenMetrics = async () => {
    const samples = parsePrometheusText(await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text());
    return { value: (name: string) => sampleValue(samples, name) };
  };

  beforeAll(async () => {
    dir = await tempDir('cube-e2e-audit-spool');
    [webhookPort, healthPort] = await Promise.all([freePort(), freePort()]);
    // Batches as a busy apiserver sends them (--audit-webhook-batch-max-size/-wait), so the test does not wait 30 s per batch.
    auditWebhook = { url: `https://localhost:${webhookPort}/audit`, batchMaxSize: 50, batchMaxWaitMs: 200 };
    member = await startKubeServer({ name: CLUSTER, auditWebhook });
    running = await startTestStack('audit-spool', { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD }, log.push);
    await waitForStatus(`${running.stack.gatewayUrl}/readyz`, 200);
    adminToken = await client.token('admin', ADMIN_PASSWORD);
    // The whole stack on two cores shared with other suites: it may take minutes to come up.
  }, 600_000);

  afterAll(async () => {
    if (process.env['CUBE_E2E_LOG']) await writeFile(process.env['CUBE_E2E_LOG'], log.all().join('\n'));
    if (warden && warden.exitCode === null) {
      const exited = new Promise((resolve) => warden?.once('exit', resolve));
      warden.kill('SIGKILL');
      await exited;
    }
    await running?.stop();
    await member?.stop();
    await dir?.remove();
  }, 120_000);

  it("registers the member and makes its apiserver's audit webhook Warden: a native write reaches Cube", async () => {
    expect((await call('POST', '/api/v1/clusters', { name: CLUSTER, kubeconfig: member.kubeconfig })).status).toBe(201);
    // The operator's part (README): the audit webhook kubeconfig names Warden's URL, its CA and the cluster's audit token.
    const token = await secretValue(member, 'cube-audit-webhook', 'auditToken');
    auditWebhook.caBundle = await secretValue(member, 'cube-warden-webhook-tls', 'ca.crt');
    auditWebhook.url = `https://${CLUSTER}:${encodeURIComponent(token)}@localhost:${webhookPort}/audit`;
    warden = await spawnWarden({
      cluster: CLUSTER,
      kubeconfig: member.kubeconfig,
      dir: dir.path,
      log: log.push,
      args: ['--webhook-port', String(webhookPort)],
      env: { CUBE_HEALTH_PORT: String(healthPort) },
    });
    await eventually(`${CLUSTER} normal`, 60_000, async () =>
      (await call('GET', `/api/v1/clusters/${CLUSTER}`)).body['status'] === 'normal' ? true : undefined,
    );

    expect((await kubeCall(member, 'POST', '/api/v1/namespaces', { body: { metadata: { name: NAMESPACE } } })).status).toBe(201);
    const created = await eventually('the namespace create in the audit trail', 60_000, async () => {
      const query = new URLSearchParams({ source: 'kubernetes', cluster: CLUSTER, resource: 'namespaces', verb: 'create' });
      const page = await call('GET', `/api/v1/audit/events?${query.toString()}`);
      return (page.body['items'] as Json[] | undefined)?.find((entry) => (entry['target'] as Json)['name'] === NAMESPACE);
    });
    expect(created).toMatchObject({ source: 'kubernetes', action: 'create', target: { cluster: CLUSTER, resource: 'namespaces' } });
  }, 300_000);

  it('keeps every native record of 500 writes made while NATS is stopped, and delivers them once each, in order, when it is back', async () => {
    await running.nats.stop();
    const names = Array.from({ length: WRITES }, (_, i) => `cm-${String(i).padStart(3, '0')}`);
    for (const name of names) {
      const written = await kubeCall(member, 'POST', `/api/v1/namespaces/${NAMESPACE}/configmaps`, {
        body: { metadata: { name }, data: { n: name } },
      });
      expect(written.status).toBe(201);
    }
    // Warden took the batches onto its disk: the apiserver was answered, nothing reached Cube.
    const spooled = await eventually('the events spooled on disk', 60_000, async () => {
      const metrics = await wardenMetrics();
      const bytes = metrics.value('cube_warden_audit_spool_bytes') ?? 0;
      return bytes > WRITES * 200 ? bytes : undefined;
    });
    expect(spooled).toBeGreaterThan(0);
    // Once the first window's publish is not acknowledged, Warden says so (once per outage).
    await eventually('Warden logs that it keeps the events on disk', 60_000, async () =>
      log.all().some((line) => line.includes(`[warden-${CLUSTER}]`) && line.includes('keeping native audit events on disk'))
        ? true
        : undefined,
    );

    await running.nats.restart();
    const records = await eventually('500 native records in Cube', 120_000, async () => {
      const found = await configMapRecords().catch(() => []);
      return found.length >= WRITES ? found : undefined;
    });
    // Exactly once: one record per write, none twice, and none for a name not written.
    expect(records).toHaveLength(WRITES);
    expect(new Set(records.map((record) => record['id'])).size).toBe(WRITES);
    // In order: each write's record is no older than the one before (the API pages by time, and two
    // writes in one millisecond tie there; the stream below holds the exact order).
    const timeOf = new Map(records.map((record) => [(record['target'] as Json)['name'], Date.parse(String(record['time']))]));
    const times = names.map((name) => timeOf.get(name) ?? NaN);
    expect(times.every((time, i) => i === 0 || time >= (times[i - 1] ?? Infinity))).toBe(true);

    // And on CUBE_AUDIT (the order the store's hash chain links them in) in the order the apiserver sent them.
    const nc = await connect({ servers: running.natsUrl });
    try {
      // An ordered consumer over the whole stream from its start (a subject filter on it needs nats-server 2.10).
      const consumer = await nc.jetstream().consumers.get('CUBE_AUDIT');
      const total = (await (await nc.jetstreamManager()).streams.info('CUBE_AUDIT')).state.messages;
      const onStream: string[] = [];
      for (let seen = 0; seen < total; seen++) {
        const message = await consumer.next({ expires: 5000 });
        if (!message) break;
        const record = message.json<{ target: { namespace?: string; resource?: string; name: string } }>();
        if (record.target.namespace === NAMESPACE && record.target.resource === 'configmaps') onStream.push(record.target.name);
      }
      expect(onStream).toEqual(names);
    } finally {
      await nc.close();
    }
    const verified = await call('GET', '/api/v1/audit/verify');
    expect(verified.status).toBe(200);
    expect(verified.body['ok']).toBe(true);

    const after = await wardenMetrics();
    expect(after.value('cube_warden_audit_spool_bytes')).toBe(0);
    expect(after.value('cube_warden_audit_spool_rejected_total') ?? 0).toBe(0);
    expect(after.value('cube_warden_audit_forwarded_total')).toBeGreaterThanOrEqual(WRITES + 1);
  }, 480_000);
});
