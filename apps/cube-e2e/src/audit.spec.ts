import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { connect } from 'nats';
import { Client } from 'pg';
import { RunningStack } from '@cube/dev-stack';
import { KubeServer, startKubeServer } from '@cube/testing';
import { CallOptions, gatewayClient, LineLog, ROOT, startTestStack, TestStack, until, waitForStatus } from './support';

const ADMIN_PASSWORD = 'e2e-audit-root-2026';
const CLUSTER_TOKEN = 'member-a-audit-token-0123456789';
const VISIBILITY_PASSWORD = 'Marigold-Basalt-Orbit-2026';
const SECRET_VALUE = Buffer.from('hunter2-the-password').toString('base64');

interface AuditEntryView {
  id: string;
  source: string;
  actor: { user: string; groups: string[]; sourceIP: string | null };
  action: string;
  target: { cluster: string | null; namespace: string | null; resource: string | null; name: string | null };
  outcome: { status: string; code: number | null };
  requestBody: unknown;
}

interface Page {
  items: AuditEntryView[];
  nextCursor: string | null;
}

// Audit through the gateway against the real stack: producers, native audit from a member cluster, visibility, export, verify.
describe('audit through the gateway', () => {
  const log = new LineLog();
  let running: TestStack;
  let stack: RunningStack;
  let adminToken: string;
  let cluster: KubeServer | undefined;
  let visibilityCluster: KubeServer | undefined;

  const client = gatewayClient(() => stack.gatewayUrl);
  const call = (method: string, path: string, options: CallOptions = {}) => client.call(method, path, options);
  const events = async (token: string, query: Record<string, string>) => {
    const response = await call('GET', `/api/v1/audit/events?${new URLSearchParams(query).toString()}`, { token });
    if (response.status !== 200) throw new Error(`GET events: ${response.status} ${response.text}`);
    return response.body as unknown as Page;
  };
  const login = (username: string, password: string) => client.token(username, password);
  const withDatabase = async <T>(work: (db: Client) => Promise<T>): Promise<T> => {
    const db = new Client({ connectionString: running.databaseUrl });
    await db.connect();
    try {
      return await work(db);
    } finally {
      await db.end();
    }
  };
  /** A request to the member cluster, as its admin, optionally impersonating a user (as Cube's proxy does). */
  const kube = (method: string, path: string, body: unknown, impersonate?: string) =>
    new Promise<number>((resolve, reject) => {
      if (!cluster) throw new Error('no cluster');
      const payload = JSON.stringify(body);
      const req = httpsRequest(
        `${cluster.url}${path}`,
        {
          method,
          ca: cluster.caCert,
          headers: {
            Authorization: `Bearer ${cluster.adminToken}`,
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(payload),
            ...(impersonate ? { 'Impersonate-User': impersonate, 'Impersonate-Group': 'dev' } : {}),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  beforeAll(async () => {
    running = await startTestStack('audit', { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD }, log.push);
    stack = running.stack;
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    adminToken = await login('admin', ADMIN_PASSWORD);
  });

  afterAll(async () => {
    await cluster?.stop();
    await visibilityCluster?.stop();
    await running?.stop();
  });

  it('stores the login audit identity publishes, with the client address', async () => {
    const page = await until(
      'the admin login in the audit store',
      async () => {
        const found = await events(adminToken, { user: 'admin', verb: 'auth.login' });
        return found.items.length > 0 ? found : null;
      },
      60_000,
    );
    expect(page.items[0]).toMatchObject({ source: 'cube', actor: { user: 'admin' }, action: 'auth.login', outcome: { status: 'success' } });
    expect(page.items[0]?.actor.sourceIP).toBeTruthy();
  });

  it('shows platform admins every record and anyone else only their own', async () => {
    const created = await call('POST', '/api/v1/users', { token: adminToken, body: { name: 'bob', password: 'Sunflower-Quartz-2026' } });
    expect(created.status).toBe(201);
    const bobToken = await login('bob', 'Sunflower-Quartz-2026');
    await until("bob's login stored", async () => (await events(adminToken, { user: 'bob', verb: 'auth.login' })).items.length > 0, 60_000);
    const bobSees = await events(bobToken, { limit: '500' });
    expect(bobSees.items.length).toBeGreaterThan(0);
    expect(bobSees.items.every((item) => item.actor.user === 'bob')).toBe(true);
    expect((await events(bobToken, { user: 'admin' })).items).toEqual([]);
    expect((await events(adminToken, { verb: 'user.create' })).items.map((item) => item.target.name)).toContain('bob');
    expect((await call('GET', '/api/v1/audit/verify', { token: bobToken })).status).toBe(403);
  });

  it('accepts native audit from a member cluster with its token, as the impersonated Cube user, Secret data redacted', async () => {
    await withDatabase((db) =>
      db.query(`INSERT INTO "audit"."cluster_tokens" ("cluster", "token_hash") VALUES ('member-a', $1)`, [
        createHash('sha256').update(CLUSTER_TOKEN).digest('hex'),
      ]),
    );
    const gateway = new URL(stack.gatewayUrl);
    // The kube-apiserver's webhook config has a URL only: the token travels as the password of its user info (Basic).
    cluster = await startKubeServer({
      name: 'member-a',
      auditWebhook: {
        url: `http://member-a:${CLUSTER_TOKEN}@${gateway.host}/api/v1/audit/clusters/member-a/k8s`,
        level: 'RequestResponse',
        batchMaxSize: 50,
        batchMaxWaitMs: 200,
      },
    });
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'alice-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    };
    expect(await kube('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', binding)).toBe(201);
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, data: { password: SECRET_VALUE } };
    expect(await kube('POST', '/api/v1/namespaces/default/secrets', secret, 'alice')).toBe(201);

    const page = await until(
      'the Secret create from member-a',
      async () => {
        const found = await events(adminToken, { cluster: 'member-a', resource: 'secrets', verb: 'create' });
        return found.items.length > 0 ? found : null;
      },
      60_000,
    );
    const entry = page.items[0];
    expect(entry).toMatchObject({
      source: 'kubernetes',
      actor: { user: 'alice', groups: expect.arrayContaining(['dev']) },
      target: { cluster: 'member-a', namespace: 'default', resource: 'secrets', name: 'db' },
      outcome: { status: 'success', code: 201 },
      requestBody: { kind: 'Secret', data: { password: '[REDACTED]' } },
    });
    const exported = await call('GET', '/api/v1/audit/events/export?format=ndjson&cluster=member-a', { token: adminToken });
    expect(exported.text).not.toContain(SECRET_VALUE);
    const stored = await withDatabase((db) =>
      db.query(`SELECT "request_body"::text AS body FROM "audit"."events" WHERE "cluster" = 'member-a'`),
    );
    expect(JSON.stringify(stored.rows)).not.toContain(SECRET_VALUE);
  });

  // Issue #9: producers publish on cube.audit.<source>; the stream stays off the audit service's request subjects.
  it("carries Cube's records on cube.audit.cube and native ones on cube.audit.kubernetes, in CUBE_AUDIT on cube.audit.*", async () => {
    const bus = await connect({ servers: running.natsUrl });
    try {
      const jsm = await bus.jetstreamManager();
      const stream = await jsm.streams.info('CUBE_AUDIT', { subjects_filter: '>' });
      expect(stream.config.subjects).toEqual(['cube.audit.*']);
      // The gateway's queries above went to cube.audit.event.list (four tokens): answered by the service, never stored.
      expect(Object.keys(stream.state.subjects ?? {}).sort()).toEqual(['cube.audit.cube', 'cube.audit.kubernetes']);
      const native = await jsm.streams.getMessage('CUBE_AUDIT', { last_by_subj: 'cube.audit.kubernetes' });
      expect(native.json<Record<string, unknown>>()).toMatchObject({ source: 'kubernetes', service: 'kubernetes' });
      const cube = await jsm.streams.getMessage('CUBE_AUDIT', { last_by_subj: 'cube.audit.cube' });
      expect(cube.json<Record<string, unknown>>()).toMatchObject({ source: 'platform' });
    } finally {
      await bus.close();
    }
  });

  it("refuses a native audit post without the cluster's token", async () => {
    const body = { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', items: [] };
    expect((await call('POST', '/api/v1/audit/clusters/member-a/k8s', { body })).status).toBe(401);
    expect((await call('POST', '/api/v1/audit/clusters/member-a/k8s', { body, token: 'wrong-token' })).status).toBe(401);
    expect((await call('POST', '/api/v1/audit/clusters/member-a/k8s', { body, token: CLUSTER_TOKEN })).status).toBe(200);
  });

  it("shows a tenant admin their tenant's namespace records and their members' platform actions, not another tenant's", async () => {
    // A registered cluster: registration writes its audit token into the member's Secret, and that
    // token is what the member's audit webhook presents (posted here as the webhook would).
    visibilityCluster = await startKubeServer({ name: 'member-v' });
    const registered = await call('POST', '/api/v1/clusters', {
      token: adminToken,
      body: { name: 'member-v', kubeconfig: visibilityCluster.kubeconfig },
    });
    expect(registered.status).toBe(201);
    const secret = await new Promise<{ data: Record<string, string> }>((resolve, reject) => {
      const member = visibilityCluster as KubeServer;
      const req = httpsRequest(
        `${member.url}/api/v1/namespaces/cube-system/secrets/cube-audit-webhook`,
        { agent: false, ca: member.caCert, headers: { Authorization: `Bearer ${member.adminToken}` } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as { data: Record<string, string> }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    const memberToken = Buffer.from(secret.data['auditToken'] ?? '', 'base64').toString();

    for (const tenant of ['tenant-a', 'tenant-b']) {
      expect((await call('POST', '/api/v1/tenants', { token: adminToken, body: { name: tenant } })).status).toBe(201);
      expect((await call('POST', `/api/v1/tenants/${tenant}/projects`, { token: adminToken, body: { name: 'p' } })).status).toBe(201);
      const ns = await call('POST', `/api/v1/tenants/${tenant}/projects/p/namespaces`, {
        token: adminToken,
        body: { name: `${tenant}-ns`, cluster: 'member-v' },
      });
      expect(ns.status).toBe(201);
    }
    const userBoundTo = async (name: string, role: string, tenant: string) => {
      expect((await call('POST', '/api/v1/users', { token: adminToken, body: { name, password: VISIBILITY_PASSWORD } })).status).toBe(201);
      const binding = await call('POST', '/api/v1/rolebindings', {
        token: adminToken,
        body: { subject: { kind: 'User', name }, role, scope: { kind: 'tenant', tenant } },
      });
      expect(binding.status).toBe(201);
      return login(name, VISIBILITY_PASSWORD);
    };
    const carl = await userBoundTo('carl', 'tenant-admin', 'tenant-a');
    await userBoundTo('dora', 'member', 'tenant-a');
    await userBoundTo('erin', 'member', 'tenant-b');

    const nativeWrite = (user: string, namespace: string) => {
      const at = new Date().toISOString();
      return {
        level: 'Metadata',
        auditID: randomUUID(),
        stage: 'ResponseComplete',
        requestURI: `/api/v1/namespaces/${namespace}/configmaps`,
        verb: 'create',
        user: { username: user, groups: ['system:authenticated'] },
        sourceIPs: ['10.0.0.7'],
        objectRef: { resource: 'configmaps', namespace, name: 'settings', apiVersion: 'v1' },
        responseStatus: { metadata: {}, code: 201 },
        requestReceivedTimestamp: at,
        stageTimestamp: at,
      };
    };
    const posted = await call('POST', '/api/v1/audit/clusters/member-v/k8s', {
      token: memberToken,
      body: {
        kind: 'EventList',
        apiVersion: 'audit.k8s.io/v1',
        items: [nativeWrite('someone', 'tenant-a-ns'), nativeWrite('someone-else', 'tenant-b-ns')],
      },
    });
    expect(posted.status).toBe(200);
    await until(
      'both native writes stored',
      async () => (await events(adminToken, { cluster: 'member-v', resource: 'configmaps' })).items.length === 2,
      60_000,
    );
    await until(
      "dora's and erin's logins stored",
      async () => {
        const logins = await events(adminToken, { verb: 'auth.login', limit: '500' });
        return ['dora', 'erin'].every((user) => logins.items.some((item) => item.actor.user === user));
      },
      60_000,
    );

    // Tenancy learns of dora's binding from identity's events: polled, not slept for.
    const seen = await until(
      "carl sees tenant-a's records",
      async () => {
        const page = await events(carl, { limit: '500' });
        const hasNative = page.items.some((item) => item.target.namespace === 'tenant-a-ns');
        const hasDora = page.items.some((item) => item.actor.user === 'dora' && item.action === 'auth.login');
        return hasNative && hasDora ? page : null;
      },
      60_000,
    );
    const users = new Set(seen.items.map((item) => item.actor.user));
    expect(users.has('carl')).toBe(true);
    expect(users.has('erin')).toBe(false);
    expect(users.has('admin')).toBe(false);
    expect(seen.items.some((item) => item.target.namespace === 'tenant-b-ns')).toBe(false);
    expect((await events(carl, { cluster: 'member-v', namespace: 'tenant-b-ns' })).items).toEqual([]);
    expect((await events(carl, { user: 'erin' })).items).toEqual([]);
    // A member of the tenant is no admin of it: their own actions only.
    const dora = await login('dora', VISIBILITY_PASSWORD);
    const doraSees = await events(dora, { limit: '500' });
    expect(doraSees.items.every((item) => item.actor.user === 'dora')).toBe(true);
  });

  it('streams the filtered records as NDJSON and CSV', async () => {
    const ndjson = await call('GET', '/api/v1/audit/events/export?format=ndjson&user=admin', { token: adminToken });
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = ndjson.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEntryView);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.actor.user === 'admin')).toBe(true);
    const csv = await call('GET', '/api/v1/audit/events/export?format=csv&user=admin', { token: adminToken });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = csv.text.trim().split('\r\n');
    expect(rows[0]).toMatch(/^time,id,source,user,/);
    expect(rows.length).toBe(lines.length + 1);
  });

  it('verifies the hash chains and reports the first record edited in the database', async () => {
    const before = await call('GET', '/api/v1/audit/verify', { token: adminToken });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ ok: true });
    const victim = (await events(adminToken, { user: 'bob', verb: 'auth.login' })).items[0];
    expect(victim).toBeDefined();
    await withDatabase((db) => db.query(`UPDATE "audit"."events" SET "actor_user" = 'carol' WHERE "id" = $1`, [victim?.id]));
    const after = await call('GET', '/api/v1/audit/verify', { token: adminToken });
    expect(after.body).toMatchObject({ ok: false, firstBroken: { id: victim?.id, reason: 'the record was changed after it was written' } });

    const cli = spawnSync('npm', ['run', '--silent', 'audit:verify'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: running.databaseUrl },
      encoding: 'utf8',
    });
    expect(cli.status).toBe(1);
    expect(JSON.parse(cli.stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({ ok: false, firstBroken: { id: victim?.id } });
  });
});
