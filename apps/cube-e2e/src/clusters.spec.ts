import { ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, JSONCodec, NatsConnection, Subscription } from 'nats';
import { Client } from 'pg';
import { parse, stringify } from 'yaml';
import { freePort, RunningStack } from '@cube/dev-stack';
import { KubeServer, startKubeServer } from '@cube/testing';
import {
  eventually,
  gatewayClient,
  Json,
  kubeCall,
  kubeGet,
  LineLog,
  ROOT,
  startTestStack,
  tempDir,
  TestStack,
  waitForStatus,
} from './support';

const ADMIN_PASSWORD = 'e2e-clusters-secret-2026';
/** Short, so that the abnormal transition is observed within seconds (default 30 s). */
const HEARTBEAT_TIMEOUT_SECONDS = 2;
const HEARTBEAT_INTERVAL_SECONDS = 0.3;
/** The control plane's `/version` probe of each cluster, short so that `unreachable` shows within seconds. */
const PROBE_INTERVAL_SECONDS = 0.5;

// Member clusters through the gateway: registration against Kubernetes API test servers, Warden as
// processes, and the pending → normal → abnormal → normal state machine driven by heartbeats.
describe('member clusters and Warden', () => {
  const log = new LineLog();
  let running: TestStack;
  let stack: RunningStack;
  let adminToken: string;
  let bus: NatsConnection;
  let memberA: KubeServer;
  let memberB: KubeServer;
  let other: KubeServer;
  /** A member restarted in place (same state file and port): stopped to be unreachable, restarted with an audit webhook. */
  let memberC: KubeServer | undefined;
  let dir: { path: string; remove(): Promise<void> };
  const wardens = new Map<string, ChildProcess>();
  const seen: { subject: string; data: Json }[] = [];
  const codec = JSONCodec<Json>();
  const collect = (sub: Subscription) =>
    void (async () => {
      for await (const message of sub) seen.push({ subject: message.subject, data: codec.decode(message.data) });
    })();

  const client = gatewayClient(() => stack.gatewayUrl);
  const call = (method: string, path: string, body?: unknown) => client.call(method, path, { token: adminToken, body });

  const statusOf = async (name: string) => String((await call('GET', `/api/v1/clusters/${name}`)).body['status']);
  const reaches = (name: string, status: string, deadlineMs: number) =>
    eventually(`${name} ${status}`, deadlineMs, async () => ((await statusOf(name)) === status ? true : undefined));
  const eventsOf = (name: string) =>
    seen.filter((m) => m.subject.startsWith('cube.events.clusters.cluster.') && (m.data['entity'] as Json)['name'] === name);
  /** Events leave the clusters outbox after the commit: waits until `name`'s have caught up with its current version. */
  const eventsCaughtUp = (name: string) =>
    eventually(`${name}'s events up to its version`, 10_000, async () => {
      const version = Number((await call('GET', `/api/v1/clusters/${name}`)).body['version']);
      return Math.max(0, ...eventsOf(name).map((m) => Number(m.data['version']))) >= version ? true : undefined;
    });

  const webhookPorts = new Map<string, number>();
  const startWarden = async (name: string, member: KubeServer) => {
    const kubeconfig = join(dir.path, `${name}.kubeconfig`);
    await writeFile(kubeconfig, member.kubeconfig, { mode: 0o600 });
    // Warden points the fail-closed quota webhook at its own https://127.0.0.1:<port> (#14); the
    // same port across restarts keeps a restarted Warden where the apiserver already calls it.
    let webhookPort = webhookPorts.get(name);
    if (webhookPort === undefined) {
      webhookPort = await freePort();
      webhookPorts.set(name, webhookPort);
    }
    const args = [
      '--cluster',
      name,
      '--kubeconfig',
      kubeconfig,
      '--webhook-port',
      String(webhookPort),
      '--state-dir',
      join(dir.path, `${name}-state`),
    ];
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/warden/main.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], CUBE_HEARTBEAT_INTERVAL: String(HEARTBEAT_INTERVAL_SECONDS), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((line) => log.push(`[warden-${name}] ${line}`)),
    );
    child.stderr?.on('data', (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((line) => log.push(`[warden-${name}] ${line}`)),
    );
    wardens.set(name, child);
  };

  const stopWarden = async (name: string) => {
    const child = wardens.get(name);
    wardens.delete(name);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    dir = await tempDir('cube-e2e-clusters');
    [memberA, memberB, other] = await Promise.all([
      startKubeServer({ name: 'member-a' }),
      startKubeServer({ name: 'member-b' }),
      startKubeServer({ name: 'other' }),
    ]);
    running = await startTestStack(
      'clusters',
      {
        CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        CUBE_HEARTBEAT_TIMEOUT: String(HEARTBEAT_TIMEOUT_SECONDS),
        CUBE_CLUSTER_PROBE_INTERVAL: String(PROBE_INTERVAL_SECONDS),
      },
      log.push,
    );
    stack = running.stack;
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    bus = await connect({ servers: running.natsUrl });
    collect(bus.subscribe('cube.events.clusters.>'));
    collect(bus.subscribe('cube.audit.cube'));
    await bus.flush();
    adminToken = await client.token('admin', ADMIN_PASSWORD);
  });

  afterAll(async () => {
    if (process.env['CUBE_E2E_LOG']) await writeFile(process.env['CUBE_E2E_LOG'], log.all().join('\n'));
    for (const name of [...wardens.keys()]) await stopWarden(name);
    await bus?.close();
    await running?.stop();
    await Promise.all([memberA?.stop(), memberB?.stop(), other?.stop(), memberC?.stop()]);
    await dir?.remove();
  });

  it('refuses each bad kubeconfig with its own 422 reason', async () => {
    const wrongCa = parse(memberA.kubeconfig) as { clusters: { cluster: Record<string, string> }[] };
    const cluster = wrongCa.clusters[0]?.cluster;
    if (!cluster) throw new Error('no cluster in the kubeconfig');
    cluster['certificate-authority-data'] = Buffer.from(other.caCert).toString('base64');
    const { cert, key } = await memberA.issueClientCertificate('alice', ['dev']);
    const cases: [string, string][] = [
      ['garbage: [', 'invalid-kubeconfig'],
      [memberA.kubeconfig.replace(memberA.url, 'https://127.0.0.1:1'), 'unreachable'],
      [stringify(wrongCa), 'tls-failure'],
      [memberA.kubeconfigFor({ user: 'nobody', token: 'wrong-token' }), 'unauthorized'],
      [memberA.kubeconfigFor({ user: 'alice', cert, key }), 'insufficient-permissions'],
    ];
    for (const [kubeconfig, reason] of cases) {
      const response = await call('POST', '/api/v1/clusters', { name: 'refused', kubeconfig });
      expect({ reason, status: response.status, code: response.body['code'] }).toEqual({ reason, status: 422, code: 'UNPROCESSABLE' });
      expect((response.body['details'] as Json)['reason']).toBe(reason);
    }
    expect((await call('GET', '/api/v1/clusters/refused')).status).toBe(404);
  });

  it('registers two clusters (YAML and JSON kubeconfigs), installing Warden, pending until the first heartbeat', async () => {
    const a = await call('POST', '/api/v1/clusters', { name: 'member-a', description: 'cluster A', kubeconfig: memberA.kubeconfig });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({
      name: 'member-a',
      description: 'cluster A',
      status: 'pending',
      nodes: 1,
      kubernetesVersion: expect.stringMatching(/^v1\./),
    });
    expect(JSON.stringify(a.body)).not.toContain(memberA.adminToken);
    const b = await call('POST', '/api/v1/clusters', { name: 'member-b', kubeconfig: JSON.stringify(parse(memberB.kubeconfig)) });
    expect(b.status).toBe(201);
    expect((await call('POST', '/api/v1/clusters', { name: 'member-b', kubeconfig: memberB.kubeconfig })).status).toBe(409);

    const list = await call('GET', '/api/v1/clusters');
    expect((list.body['items'] as Json[]).map((c) => c['name'])).toEqual(['member-a', 'member-b']);

    // Sealed at rest with a key id; the admin token appears nowhere in the row.
    const db = new Client({ connectionString: running.databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ credentials: Json; credentials_key_id: string }>(
      'SELECT "credentials", "credentials_key_id" FROM "clusters"."clusters"',
    );
    await db.end();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.credentials['sealed']).toBe('aes-256-gcm');
      expect(row.credentials_key_id).toMatch(/^[0-9a-f]{16}$/);
      expect(JSON.stringify(row)).not.toContain(memberA.adminToken);
    }

    await eventsCaughtUp('member-a');
    await eventsCaughtUp('member-b');
    await bus.flush();
    expect(
      seen.filter((m) => m.subject === 'cube.events.clusters.cluster.registered').map((m) => (m.data['entity'] as Json)['name']),
    ).toEqual(['member-a', 'member-b']);
    const audit = seen.filter((m) => m.subject === 'cube.audit.cube' && m.data['service'] === 'clusters');
    expect(audit.some((m) => m.data['action'] === 'cluster.register' && m.data['outcome'] === 'success')).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(memberA.adminToken);
    expect(log.all().join('\n')).not.toContain(memberA.adminToken);
  });

  it('turns both clusters normal once their Wardens (run as processes) heartbeat', async () => {
    await startWarden('member-a', memberA);
    await startWarden('member-b', memberB);
    await reaches('member-a', 'normal', 30_000);
    await reaches('member-b', 'normal', 30_000);
    const a = (await call('GET', '/api/v1/clusters/member-a')).body;
    expect(a).toMatchObject({
      status: 'normal',
      nodes: 1,
      wardenVersion: expect.any(String),
      kubernetesVersion: expect.stringMatching(/^v1\./),
    });
    expect(Date.parse(String(a['lastHeartbeat']))).toBeGreaterThan(Date.now() - 10_000);
    expect(Object.keys(a['capacity'] as Json)).toEqual(expect.arrayContaining(['cpu', 'memory', 'pods']));
  });

  it("applies what is written to the cluster's desired-state bucket through its Warden", async () => {
    const store = await bus.jetstream().views.kv('cube-desired-member-a');
    await store.put(
      'namespace.acme.team-x',
      JSONCodec().encode({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-x', labels: { 'cube.io/tenant': 'acme' } } }),
    );
    await eventually('namespace team-x in member-a', 20_000, async () =>
      (await kubeGet(memberA, '/api/v1/namespaces/team-x')).status === 200 ? true : undefined,
    );
    expect((await kubeGet(memberB, '/api/v1/namespaces/team-x')).status).toBe(404);
  });

  it('patches display name and description, and replaces the kubeconfig only after connecting with it', async () => {
    const before = (await call('GET', '/api/v1/clusters/member-a')).body;
    const renamed = await call('PATCH', '/api/v1/clusters/member-a', { displayName: 'Cluster A', description: 'the first member' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      name: 'member-a',
      displayName: 'Cluster A',
      description: 'the first member',
      version: Number(before['version']) + 1,
    });

    // A refused kubeconfig changes nothing, not even the fields sent beside it.
    const refused = await call('PATCH', '/api/v1/clusters/member-a', {
      displayName: 'never',
      kubeconfig: memberA.kubeconfigFor({ user: 'nobody', token: 'wrong-token' }),
    });
    expect(refused.status).toBe(422);
    expect((refused.body['details'] as Json)['reason']).toBe('unauthorized');
    expect((await call('PATCH', '/api/v1/clusters/member-a', { kubeconfig: 'garbage: [' })).body['details']).toMatchObject({
      reason: 'invalid-kubeconfig',
    });
    expect((await call('GET', '/api/v1/clusters/member-a')).body).toMatchObject({
      displayName: 'Cluster A',
      version: Number(before['version']) + 1,
    });

    const replaced = await call('PATCH', '/api/v1/clusters/member-a', { kubeconfig: JSON.stringify(parse(memberA.kubeconfig)) });
    expect(replaced.status).toBe(200);
    expect(JSON.stringify(replaced.body)).not.toContain(memberA.adminToken);
    expect((await call('PATCH', '/api/v1/clusters/member-a', { owner: 'x' })).status).toBe(400);
    expect((await call('PATCH', '/api/v1/clusters/no-such-cluster', { description: 'x' })).status).toBe(404);
    expect((await call('PATCH', '/api/v1/clusters/member-a', {})).body).toMatchObject({ version: replaced.body['version'] });

    await eventsCaughtUp('member-a');
    const updated = seen
      .filter((m) => m.subject === 'cube.events.clusters.cluster.updated')
      .map((m) => (m.data['data'] as Json)['kubeconfigReplaced']);
    expect(updated).toEqual([false, true]);
    expect(JSON.stringify(seen)).not.toContain(memberA.adminToken);
    // The replaced credential works: the cluster stays normal under its Warden and the probe.
    expect(await statusOf('member-a')).toBe('normal');
  });

  it("shows a tenant's quota usage per cluster, summed over its namespaces from what Warden reports", async () => {
    expect((await call('POST', '/api/v1/tenants', { name: 'usage-co' })).status).toBe(201);
    expect((await call('POST', '/api/v1/tenants/usage-co/projects', { name: 'p' })).status).toBe(201);
    expect((await call('PUT', '/api/v1/tenants/usage-co/quotas/member-a', { hard: { pods: '10', 'requests.cpu': '4' } })).status).toBe(200);
    for (const name of ['usage-1', 'usage-2']) {
      const created = await call('POST', '/api/v1/tenants/usage-co/projects/p/namespaces', {
        name,
        cluster: 'member-a',
        quota: { hard: { pods: '5', 'requests.cpu': '2' } },
      });
      expect(created.status).toBe(201);
      await eventually(`ResourceQuota in ${name}`, 20_000, async () =>
        (await kubeGet(memberA, `/api/v1/namespaces/${name}/resourcequotas/cube-quota`)).status === 200 ? true : undefined,
      );
    }
    const pod = (name: string, cpu: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu }, limits: { cpu } } }] },
    });
    // 0.1 + 650m + 0.25: usage is summed as quantities, exactly.
    expect((await kubeCall(memberA, 'POST', '/api/v1/namespaces/usage-1/pods', { body: pod('a', '0.1') })).status).toBe(201);
    expect((await kubeCall(memberA, 'POST', '/api/v1/namespaces/usage-1/pods', { body: pod('b', '650m') })).status).toBe(201);
    expect((await kubeCall(memberA, 'POST', '/api/v1/namespaces/usage-2/pods', { body: pod('c', '0.25') })).status).toBe(201);
    const used = await eventually('usage reported', 20_000, async () => {
      const quotas = (await call('GET', '/api/v1/tenants/usage-co/quotas')).body as unknown as Json[];
      const memberAQuota = quotas.find((q) => q['cluster'] === 'member-a');
      const value = memberAQuota?.['used'] as Json | undefined;
      return value && value['pods'] === '3' ? value : undefined;
    });
    expect(used).toEqual({ pods: '3', 'requests.cpu': '1' });
  });

  it('turns a cluster abnormal within the heartbeat timeout when its Warden dies, and normal again when it is back', async () => {
    const killedAt = Date.now();
    await stopWarden('member-a');
    await reaches('member-a', 'abnormal', HEARTBEAT_TIMEOUT_SECONDS * 1000 + 5000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(HEARTBEAT_TIMEOUT_SECONDS * 1000 - HEARTBEAT_INTERVAL_SECONDS * 1000);
    expect(await statusOf('member-b')).toBe('normal');

    await startWarden('member-a', memberA);
    await reaches('member-a', 'normal', 30_000);
    await eventsCaughtUp('member-a');
    const changes = seen
      .filter((m) => m.subject === 'cube.events.clusters.cluster.status-changed' && (m.data['entity'] as Json)['name'] === 'member-a')
      .map((m) => `${(m.data['data'] as Json)['from']}→${(m.data['data'] as Json)['to']}`);
    expect(changes).toEqual(['pending→normal', 'normal→abnormal', 'abnormal→normal']);
  });

  it('unregisters a cluster, removing what registration installed', async () => {
    await stopWarden('member-b');
    expect((await call('DELETE', '/api/v1/clusters/member-b')).status).toBe(204);
    expect((await call('GET', '/api/v1/clusters/member-b')).status).toBe(404);
    expect((await kubeGet(memberB, '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/cube-warden-quota')).status).toBe(
      404,
    );
    expect((await kubeGet(memberB, '/apis/rbac.authorization.k8s.io/v1/clusterroles/cube-warden')).status).toBe(404);
    expect((await kubeGet(memberA, '/apis/rbac.authorization.k8s.io/v1/clusterroles/cube-warden')).status).toBe(200);
    await eventually('cluster.deleted of member-b', 10_000, async () =>
      seen.some((m) => m.subject === 'cube.events.clusters.cluster.deleted' && (m.data['entity'] as Json)['name'] === 'member-b')
        ? true
        : undefined,
    );
  });

  it("writes the cluster's native-audit token into its own Secret at registration and accepts native audit with it", async () => {
    const stateFile = join(dir.path, 'member-c.json');
    memberC = await startKubeServer({ name: 'member-c', stateFile });
    expect((await call('POST', '/api/v1/clusters', { name: 'member-c', kubeconfig: memberC.kubeconfig })).status).toBe(201);
    const secret = await kubeGet(memberC, '/api/v1/namespaces/cube-system/secrets/cube-audit-webhook');
    expect(secret.status).toBe(200);
    const token = Buffer.from(String((secret.body['data'] as Json)['auditToken']), 'base64').toString();
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(log.all().join('\n')).not.toContain(token);

    // The operator points the member's audit webhook at Cube with that token: the test server takes
    // its webhook at start, so it is restarted in place (same state file, port, CA and credentials).
    const port = Number(new URL(memberC.url).port);
    await memberC.stop();
    memberC = undefined;
    const gateway = new URL(stack.gatewayUrl);
    memberC = await startKubeServer({
      name: 'member-c',
      stateFile,
      port,
      auditWebhook: {
        url: `http://member-c:${token}@${gateway.host}/api/v1/audit/clusters/member-c/k8s`,
        batchMaxSize: 50,
        batchMaxWaitMs: 200,
      },
    });
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'audited', namespace: 'default' }, data: { k: 'v' } };
    expect((await kubeCall(memberC, 'POST', '/api/v1/namespaces/default/configmaps', { body: configMap })).status).toBe(201);
    const entry = await eventually('the native write in the audit trail', 20_000, async () => {
      const page = await call('GET', '/api/v1/audit/events?source=kubernetes&cluster=member-c&resource=configmaps&verb=create');
      return (page.body['items'] as Json[] | undefined)?.[0];
    });
    expect(entry).toMatchObject({
      source: 'kubernetes',
      target: { cluster: 'member-c', namespace: 'default', resource: 'configmaps', name: 'audited' },
    });
  });

  it('turns a cluster unreachable when its API server stops answering the probe, and back when it answers', async () => {
    if (!memberC) throw new Error('member-c is not running');
    const stateFile = join(dir.path, 'member-c.json');
    const port = Number(new URL(memberC.url).port);
    // The restart for the audit webhook may itself have been probed: start from a settled state.
    await reaches('member-c', 'pending', 10_000);
    await eventsCaughtUp('member-c');
    const from = seen.length;
    await memberC.stop();
    memberC = undefined;
    await reaches('member-c', 'unreachable', PROBE_INTERVAL_SECONDS * 1000 + 15_000);
    expect(await statusOf('member-a')).toBe('normal');
    memberC = await startKubeServer({ name: 'member-c', stateFile, port });
    // Never heard from its Warden (none runs for it): back to pending, not normal.
    await reaches('member-c', 'pending', PROBE_INTERVAL_SECONDS * 1000 + 15_000);
    await eventsCaughtUp('member-c');
    const changes = seen
      .slice(from)
      .filter((m) => m.subject === 'cube.events.clusters.cluster.status-changed' && (m.data['entity'] as Json)['name'] === 'member-c')
      .map((m) => `${(m.data['data'] as Json)['from']}→${(m.data['data'] as Json)['to']}`);
    expect(changes).toEqual(['pending→unreachable', 'unreachable→pending']);
  });

  it('removes the audit token Secret and revokes the token when the cluster is unregistered', async () => {
    if (!memberC) throw new Error('member-c is not running');
    const secret = await kubeGet(memberC, '/api/v1/namespaces/cube-system/secrets/cube-audit-webhook');
    const token = Buffer.from(String((secret.body['data'] as Json)['auditToken']), 'base64').toString();
    expect((await call('DELETE', '/api/v1/clusters/member-c')).status).toBe(204);
    expect((await kubeGet(memberC, '/api/v1/namespaces/cube-system/secrets/cube-audit-webhook')).status).toBe(404);
    const refused = await client.call('POST', '/api/v1/audit/clusters/member-c/k8s', {
      token,
      body: { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [] },
    });
    expect(refused.status).toBe(401);
  });
});
