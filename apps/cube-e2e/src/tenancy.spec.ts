import { connect, JSONCodec, KV, NatsConnection, Subscription } from 'nats';
import { RunningStack } from '@cube/dev-stack';
import { KubeServer, startKubeServer } from '@cube/testing';
import {
  CallOptions,
  gatewayClient,
  Json,
  LineLog,
  startTestStack,
  TestStack,
  until,
  userBoundTo as boundUser,
  waitForStatus,
} from './support';

const ADMIN_PASSWORD = 'e2e-tenancy-secret-2026';

// Tenancy through the gateway's HTTP API, against the real stack (PostgreSQL, NATS, every service).
describe('tenancy through the gateway', () => {
  const log = new LineLog();
  let running: TestStack;
  let stack: RunningStack;
  let admin: string;
  let bus: NatsConnection;
  /** Namespaces live in registered clusters only: two Kubernetes API test servers stand for them. */
  const MEMBERS = ['member-a', 'member-b'];
  let members: KubeServer[] = [];
  const seen: { subject: string; data: Record<string, unknown> }[] = [];
  const codec = JSONCodec<Record<string, unknown>>();
  const collect = (sub: Subscription) =>
    void (async () => {
      for await (const message of sub) seen.push({ subject: message.subject, data: codec.decode(message.data) });
    })();

  const client = gatewayClient(() => stack.gatewayUrl);
  const call = (method: string, path: string, options: CallOptions = {}) => client.call(method, path, options);
  const items = (body: Json) => body['items'] as Json[];
  const names = (body: Json) => items(body).map((item) => item['name']);

  /** A user with a password, bound to `role` at `scope`; returns their access token and binding id. */
  const userBoundTo = (name: string, role: string, scope: Json) => boundUser(client, admin, { name, role, scope });

  /**
   * Tenancy learns of bindings from identity's events on JetStream: a state to reach, polled with
   * a bound rather than slept for.
   */
  const bucket = async (cluster: string): Promise<KV> => bus.jetstream().views.kv(`cube-desired-${cluster}`);
  const desired = async (cluster: string, key: string) => {
    const entry = await (await bucket(cluster)).get(key);
    return entry && entry.operation === 'PUT' ? entry.json<Json>() : null;
  };

  beforeAll(async () => {
    members = await Promise.all(MEMBERS.map((name) => startKubeServer({ name })));
    running = await startTestStack('tenancy', { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD }, log.push);
    stack = running.stack;
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    bus = await connect({ servers: running.natsUrl });
    collect(bus.subscribe('cube.events.tenancy.>'));
    collect(bus.subscribe('cube.audit.cube'));
    await bus.flush();
    const response = await call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(response.status).toBe(200);
    admin = String(response.body['accessToken']);
    // Registered the way users do (Warden installed, no Warden running: the clusters stay `pending`).
    for (const [i, name] of MEMBERS.entries()) {
      const registered = await call('POST', '/api/v1/clusters', { token: admin, body: { name, kubeconfig: members[i]?.kubeconfig } });
      expect(registered.status).toBe(201);
    }
  });

  afterAll(async () => {
    await bus?.close();
    await running?.stop();
    await Promise.all(members.map((member) => member.stop()));
  });

  it('refuses a namespace or a tenant quota in a cluster that is not registered, writing nothing', async () => {
    expect((await call('POST', '/api/v1/tenants', { token: admin, body: { name: 'nowhere' } })).status).toBe(201);
    expect((await call('POST', '/api/v1/tenants/nowhere/projects', { token: admin, body: { name: 'p' } })).status).toBe(201);
    const ns = await call('POST', '/api/v1/tenants/nowhere/projects/p/namespaces', {
      token: admin,
      body: { name: 'lost', cluster: 'member-z', quota: { hard: { pods: '1' } } },
    });
    expect(ns.status).toBe(422);
    expect(ns.body).toMatchObject({ code: 'UNPROCESSABLE', details: { fields: [{ field: 'cluster' }] } });
    expect((await call('GET', '/api/v1/namespaces?tenant=nowhere', { token: admin })).body['items']).toEqual([]);

    const quota = await call('PUT', '/api/v1/tenants/nowhere/quotas/member-z', { token: admin, body: { hard: { pods: '1' } } });
    expect(quota.status).toBe(422);
    expect(quota.body).toMatchObject({ code: 'UNPROCESSABLE', details: { fields: [{ field: 'cluster' }] } });
    expect((await call('GET', '/api/v1/tenants/nowhere/quotas', { token: admin })).body).toEqual([]);
    expect((await call('DELETE', '/api/v1/tenants/nowhere?cascade=true', { token: admin })).status).toBe(204);
  });

  it('creates tenants, projects and namespaces, refuses duplicates with 409 and bad names with 422', async () => {
    const tenant = await call('POST', '/api/v1/tenants', {
      token: admin,
      body: { name: 'acme', displayName: 'Acme', labels: { tier: 'gold' } },
    });
    expect(tenant.status).toBe(201);
    expect(tenant.body).toMatchObject({ name: 'acme', displayName: 'Acme', labels: { tier: 'gold' }, createdBy: 'admin', version: 1 });
    expect((await call('POST', '/api/v1/tenants', { token: admin, body: { name: 'acme' } })).status).toBe(409);

    const badName = await call('POST', '/api/v1/tenants', { token: admin, body: { name: 'Not_A_Label' } });
    expect(badName.status).toBe(422);
    expect(badName.body).toMatchObject({ code: 'UNPROCESSABLE', details: { fields: [{ field: 'name' }] } });
    expect((await call('POST', '/api/v1/tenants', { token: admin, body: { name: 'ok', owner: 'x' } })).status).toBe(400);

    expect((await call('POST', '/api/v1/tenants/acme/projects', { token: admin, body: { name: 'web' } })).status).toBe(201);
    expect((await call('POST', '/api/v1/tenants/acme/projects', { token: admin, body: { name: 'web' } })).status).toBe(409);
    expect((await call('POST', '/api/v1/tenants/nope/projects', { token: admin, body: { name: 'web' } })).status).toBe(404);

    const ns = await call('POST', '/api/v1/tenants/acme/projects/web/namespaces', {
      token: admin,
      body: { name: 'web-dev', cluster: 'member-a' },
    });
    expect(ns.status).toBe(201);
    expect(ns.body).toMatchObject({ name: 'web-dev', cluster: 'member-a', tenant: 'acme', project: 'web', quota: null });
    // Namespace names are unique per cluster, whatever project asks.
    expect(
      (await call('POST', '/api/v1/tenants/acme/projects/web/namespaces', { token: admin, body: { name: 'web-dev', cluster: 'member-a' } }))
        .status,
    ).toBe(409);
    expect(
      (await call('POST', '/api/v1/tenants/acme/projects/web/namespaces', { token: admin, body: { name: 'web-dev', cluster: 'member-b' } }))
        .status,
    ).toBe(201);
    const badCluster = await call('POST', '/api/v1/tenants/acme/projects/web/namespaces', {
      token: admin,
      body: { name: 'x', cluster: 'Member A' },
    });
    expect(badCluster.status).toBe(422);

    const got = await call('GET', '/api/v1/tenants/acme/projects/web/namespaces/member-a/web-dev', { token: admin });
    expect(got.status).toBe(200);
    expect((await call('GET', '/api/v1/tenants/acme/projects/web/namespaces/member-c/web-dev', { token: admin })).status).toBe(404);
  });

  it('patches display name, description and labels, bumping the version', async () => {
    const patched = await call('PATCH', '/api/v1/tenants/acme', { token: admin, body: { description: 'the Acme company' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ displayName: 'Acme', description: 'the Acme company', labels: { tier: 'gold' }, version: 2 });
    const project = await call('PATCH', '/api/v1/tenants/acme/projects/web', {
      token: admin,
      body: { displayName: 'Web', labels: { team: 'a' } },
    });
    expect(project.body).toMatchObject({ displayName: 'Web', labels: { team: 'a' }, version: 2 });
    expect((await call('PATCH', '/api/v1/tenants/acme', { token: admin, body: { labels: { 'bad key!': 'x' } } })).status).toBe(422);
  });

  it('paginates every list with limit and cursor', async () => {
    for (const name of ['page-a', 'page-b', 'page-c'])
      expect((await call('POST', '/api/v1/tenants', { token: admin, body: { name } })).status).toBe(201);
    const seenNames: unknown[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = await call('GET', `/api/v1/tenants?limit=2${query}`, { token: admin });
      expect(page.status).toBe(200);
      expect(items(page.body).length).toBeLessThanOrEqual(2);
      seenNames.push(...names(page.body));
      cursor = page.body['nextCursor'] as string | null;
    } while (cursor);
    expect(seenNames).toEqual(['acme', 'page-a', 'page-b', 'page-c']);

    const first = await call('GET', '/api/v1/namespaces?limit=1', { token: admin });
    expect(items(first.body)).toHaveLength(1);
    const second = await call('GET', `/api/v1/namespaces?limit=1&cursor=${String(first.body['nextCursor'])}`, { token: admin });
    expect(items(second.body).map((n) => n['cluster'])).toEqual(['member-b']);
    expect(second.body['nextCursor']).toBeNull();
    expect((await call('GET', '/api/v1/tenants/acme/projects?limit=1', { token: admin })).body['nextCursor']).toBeNull();
    expect((await call('GET', '/api/v1/tenants?limit=501', { token: admin })).status).toBe(400);
    expect((await call('GET', '/api/v1/tenants?cursor=garbage', { token: admin })).status).toBe(400);
    expect((await call('GET', '/api/v1/namespaces?cluster=member-b', { token: admin })).body['items']).toHaveLength(1);
  });

  it('refuses to delete a tenant or project with children, naming them, and cascades bottom-up on request', async () => {
    expect((await call('POST', '/api/v1/tenants', { token: admin, body: { name: 'doomed' } })).status).toBe(201);
    expect((await call('POST', '/api/v1/tenants/doomed/projects', { token: admin, body: { name: 'p1' } })).status).toBe(201);
    expect(
      (
        await call('POST', '/api/v1/tenants/doomed/projects/p1/namespaces', {
          token: admin,
          body: { name: 'doomed-ns', cluster: 'member-a' },
        })
      ).status,
    ).toBe(201);

    const project = await call('DELETE', '/api/v1/tenants/doomed/projects/p1', { token: admin });
    expect(project.status).toBe(409);
    expect(project.body['details']).toEqual({ namespaces: [{ cluster: 'member-a', name: 'doomed-ns' }] });
    const tenant = await call('DELETE', '/api/v1/tenants/doomed', { token: admin });
    expect(tenant.status).toBe(409);
    expect(tenant.body['details']).toMatchObject({
      projects: ['p1'],
      namespaces: [{ cluster: 'member-a', name: 'doomed-ns', project: 'p1' }],
    });
    expect(await desired('member-a', 'namespace.doomed-ns')).not.toBeNull();

    expect((await call('DELETE', '/api/v1/tenants/doomed?cascade=true', { token: admin })).status).toBe(204);
    expect((await call('GET', '/api/v1/tenants/doomed', { token: admin })).status).toBe(404);
    expect((await call('GET', '/api/v1/namespaces?tenant=doomed', { token: admin })).body['items']).toEqual([]);
    expect(await desired('member-a', 'namespace.doomed-ns')).toBeNull();
    // Events leave tenancy's outbox after the commit: waited for, not expected with the reply.
    const deletedEvents = () =>
      seen.filter((m) => m.subject.endsWith('.deleted') && JSON.stringify(m.data['entity']).includes('doomed')).map((m) => m.subject);
    await until('the three deleted events', async () => deletedEvents().length >= 3);
    expect(deletedEvents()).toEqual([
      'cube.events.tenancy.namespace.deleted',
      'cube.events.tenancy.project.deleted',
      'cube.events.tenancy.tenant.deleted',
    ]);
  });

  it('shows a tenant member only their tenant; another tenant is 404, not 403', async () => {
    expect((await call('POST', '/api/v1/tenants', { token: admin, body: { name: 'globex' } })).status).toBe(201);
    const alice = await userBoundTo('alice', 'member', { kind: 'tenant', tenant: 'acme' });
    await until('alice sees acme', async () => names((await call('GET', '/api/v1/tenants', { token: alice.token })).body).length > 0);
    expect(names((await call('GET', '/api/v1/tenants', { token: alice.token })).body)).toEqual(['acme']);
    expect((await call('GET', '/api/v1/tenants/acme', { token: alice.token })).status).toBe(200);
    const other = await call('GET', '/api/v1/tenants/globex', { token: alice.token });
    expect(other.status).toBe(404);
    expect((await call('GET', '/api/v1/tenants/no-such-tenant', { token: alice.token })).body['message']).toBe(
      'tenant "no-such-tenant" not found',
    );
    expect(other.body['message']).toBe('tenant "globex" not found');
    expect((await call('GET', '/api/v1/tenants/globex/projects', { token: alice.token })).status).toBe(404);
    expect(items((await call('GET', '/api/v1/namespaces', { token: alice.token })).body).every((n) => n['tenant'] === 'acme')).toBe(true);

    // A member reads but does not write; a tenant admin manages projects and namespaces of their tenant only.
    expect((await call('POST', '/api/v1/tenants/acme/projects', { token: alice.token, body: { name: 'api' } })).status).toBe(403);
    expect((await call('PATCH', '/api/v1/tenants/acme', { token: alice.token, body: { displayName: 'x' } })).status).toBe(403);
    const bob = await userBoundTo('bob', 'tenant-admin', { kind: 'tenant', tenant: 'acme' });
    await until('bob sees acme', async () => (await call('GET', '/api/v1/tenants/acme', { token: bob.token })).status === 200);
    expect((await call('POST', '/api/v1/tenants/acme/projects', { token: bob.token, body: { name: 'api' } })).status).toBe(201);
    expect(
      (
        await call('POST', '/api/v1/tenants/acme/projects/api/namespaces', {
          token: bob.token,
          body: { name: 'api-dev', cluster: 'member-a' },
        })
      ).status,
    ).toBe(201);
    expect((await call('POST', '/api/v1/tenants', { token: bob.token, body: { name: 'bobco' } })).status).toBe(403);
    expect((await call('POST', '/api/v1/tenants/globex/projects', { token: bob.token, body: { name: 'x' } })).status).toBe(404);
    expect((await call('PUT', '/api/v1/tenants/acme/quotas/member-a', { token: bob.token, body: { hard: { pods: '1' } } })).status).toBe(
      403,
    );

    // A project admin sees only their project of the tenant, and manages its namespaces.
    const carol = await userBoundTo('carol', 'project-admin', { kind: 'project', tenant: 'acme', project: 'api' });
    await until('carol sees acme', async () => (await call('GET', '/api/v1/tenants/acme', { token: carol.token })).status === 200);
    expect(names((await call('GET', '/api/v1/tenants/acme/projects', { token: carol.token })).body)).toEqual(['api']);
    expect((await call('GET', '/api/v1/tenants/acme/projects/web', { token: carol.token })).status).toBe(404);
    expect(
      (
        await call('POST', '/api/v1/tenants/acme/projects/api/namespaces', {
          token: carol.token,
          body: { name: 'api-test', cluster: 'member-a' },
        })
      ).status,
    ).toBe(201);
    expect((await call('DELETE', '/api/v1/tenants/acme/projects/api?cascade=true', { token: carol.token })).status).toBe(403);
    const members = await call('GET', '/api/v1/tenants/acme/members', { token: bob.token });
    expect(
      items(members.body)
        .map((b) => (b['subject'] as Json)['name'])
        .sort(),
    ).toEqual(['alice', 'bob', 'carol']);
  });

  it("writes each namespace, its quota and its members' RoleBindings to the cluster's desired state, and follows binding changes", async () => {
    const namespace = await desired('member-a', 'namespace.api-dev');
    expect(namespace).toMatchObject({
      kind: 'Namespace',
      metadata: { name: 'api-dev', labels: { 'cube.io/tenant': 'acme', 'cube.io/project': 'api' } },
    });
    expect(await desired('member-a', 'clusterrole.cube-member')).toMatchObject({ kind: 'ClusterRole', metadata: { name: 'cube:member' } });

    const dave = await userBoundTo('dave', 'viewer', { kind: 'project', tenant: 'acme', project: 'api' });
    const key = `rolebinding.api-dev.cube-${dave.bindingId}`;
    await until("dave's RoleBinding is desired", async () => (await desired('member-a', key)) !== null);
    expect(await desired('member-a', key)).toMatchObject({
      kind: 'RoleBinding',
      metadata: { namespace: 'api-dev' },
      roleRef: { kind: 'ClusterRole', name: 'cube:viewer' },
      subjects: [{ kind: 'User', name: 'dave' }],
    });
    // A project binding does not reach the tenant's other projects.
    expect(await desired('member-a', `rolebinding.web-dev.cube-${dave.bindingId}`)).toBeNull();
    const tenantWide = items((await call('GET', '/api/v1/rolebindings?user=alice', { token: admin })).body)[0] as Json;
    expect(await desired('member-a', `rolebinding.web-dev.cube-${String(tenantWide['id'])}`)).toMatchObject({
      roleRef: { name: 'cube:member' },
    });

    expect((await call('DELETE', `/api/v1/rolebindings/${dave.bindingId}`, { token: admin })).status).toBe(204);
    await until("dave's RoleBinding is gone", async () => (await desired('member-a', key)) === null);

    expect((await call('DELETE', '/api/v1/tenants/acme/projects/api/namespaces/member-a/api-test', { token: admin })).status).toBe(204);
    expect(await desired('member-a', 'namespace.api-test')).toBeNull();
    expect(await desired('member-a', `rolebinding.api-test.cube-${String(tenantWide['id'])}`)).toBeNull();
  });

  it('gives every registered cluster, namespaces or not, a ClusterRoleBinding per platform binding, and drops it with the binding', async () => {
    // A cluster registered now, with no namespace: tenancy learns of it from the clusters service's event.
    const late = await startKubeServer({ name: 'member-c' });
    members.push(late);
    expect((await call('POST', '/api/v1/clusters', { token: admin, body: { name: 'member-c', kubeconfig: late.kubeconfig } })).status).toBe(
      201,
    );
    const bootstrap = items((await call('GET', '/api/v1/rolebindings?scope=platform&user=admin', { token: admin })).body)[0] as Json;
    const adminKey = `clusterrolebinding.cube-${String(bootstrap['id'])}`;
    await until("the bootstrap admin's ClusterRoleBinding in member-c", async () => (await desired('member-c', adminKey)) !== null);
    expect(await desired('member-c', adminKey)).toMatchObject({
      kind: 'ClusterRoleBinding',
      metadata: { name: `cube-${String(bootstrap['id'])}`, labels: { 'cube.io/managed-by': 'cube' } },
      roleRef: { kind: 'ClusterRole', name: 'cube:platform-admin' },
      subjects: [{ kind: 'User', name: 'admin' }],
    });
    expect(await desired('member-c', 'clusterrole.cube-platform-admin')).toMatchObject({ kind: 'ClusterRole' });
    expect(await desired('member-c', 'namespace.web-dev')).toBeNull();

    const auditors = await call('POST', '/api/v1/rolebindings', {
      token: admin,
      body: { subject: { kind: 'Group', name: 'auditors' }, role: 'viewer', scope: { kind: 'platform' } },
    });
    expect(auditors.status).toBe(201);
    const key = `clusterrolebinding.cube-${String(auditors.body['id'])}`;
    for (const cluster of [...MEMBERS, 'member-c']) {
      await until(`the auditors' ClusterRoleBinding in ${cluster}`, async () => (await desired(cluster, key)) !== null);
      expect(await desired(cluster, key)).toMatchObject({
        roleRef: { name: 'cube:viewer' },
        subjects: [{ kind: 'Group', name: 'auditors', apiGroup: 'rbac.authorization.k8s.io' }],
      });
    }
    expect((await call('DELETE', `/api/v1/rolebindings/${String(auditors.body['id'])}`, { token: admin })).status).toBe(204);
    for (const cluster of [...MEMBERS, 'member-c']) {
      await until(`the auditors' ClusterRoleBinding gone from ${cluster}`, async () => (await desired(cluster, key)) === null);
    }
    expect(await desired('member-c', adminKey)).not.toBeNull();
  });

  it('keeps namespace quotas within the tenant quota, with exact quantity arithmetic', async () => {
    expect((await call('POST', '/api/v1/tenants', { token: admin, body: { name: 'quota-co' } })).status).toBe(201);
    expect((await call('POST', '/api/v1/tenants/quota-co/projects', { token: admin, body: { name: 'p' } })).status).toBe(201);
    const bad = await call('PUT', '/api/v1/tenants/quota-co/quotas/member-a', { token: admin, body: { hard: { cpu: '1', pods: '1.5' } } });
    expect(bad.status).toBe(422);
    expect(bad.body['details']).toMatchObject({ fields: [{ field: 'hard' }] });
    expect(JSON.stringify(bad.body)).toContain('\\"cpu\\" is not a quota resource');
    expect(
      (await call('PUT', '/api/v1/tenants/quota-co/quotas/member-a', { token: admin, body: { hard: { 'requests.cpu': 'lots' } } })).status,
    ).toBe(422);

    const hard = { 'requests.cpu': '1', 'requests.memory': '1Gi', 'count/deployments.apps': '1e3' };
    const set = await call('PUT', '/api/v1/tenants/quota-co/quotas/member-a', { token: admin, body: { hard } });
    expect(set.status).toBe(200);
    const create = (name: string, quota: Json) =>
      call('POST', '/api/v1/tenants/quota-co/projects/p/namespaces', {
        token: admin,
        body: { name, cluster: 'member-a', quota: { hard: quota } },
      });
    expect((await create('q1', { 'requests.cpu': '0.1', 'requests.memory': '1024Mi' })).status).toBe(201);
    expect((await create('q2', { 'requests.cpu': '900m', 'count/deployments.apps': '1000' })).status).toBe(201);
    // 0.1 + 900m is exactly 1: not one nano-core, not one byte is left.
    const full = await create('q3', { 'requests.cpu': '1n', 'requests.memory': '1' });
    expect(full.status).toBe(409);
    expect(full.body['details']).toMatchObject({
      free: { 'requests.cpu': '0', 'requests.memory': '0' },
      shortfall: { 'requests.cpu': '1n', 'requests.memory': '1' },
    });
    expect((await create('q4', { 'limits.cpu': '1' })).status).toBe(409);
    expect((await create('q5', { 'requests.cpu': '-1' })).status).toBe(422);

    const quotas = await call('GET', '/api/v1/tenants/quota-co/quotas', { token: admin });
    expect(quotas.body).toEqual([
      {
        cluster: 'member-a',
        hard,
        allocated: { 'count/deployments.apps': '1000', 'requests.cpu': '1', 'requests.memory': '1Gi' },
        free: { 'count/deployments.apps': '0', 'requests.cpu': '0', 'requests.memory': '0' },
        used: {},
      },
    ]);
    const project = await call('GET', '/api/v1/tenants/quota-co/projects/p', { token: admin });
    expect(project.body['quota']).toEqual({
      'member-a': { 'count/deployments.apps': '1000', 'requests.cpu': '1', 'requests.memory': '1Gi' },
    });

    const lower = await call('PUT', '/api/v1/tenants/quota-co/quotas/member-a', {
      token: admin,
      body: { hard: { 'requests.cpu': '500m', 'requests.memory': '1Gi', 'count/deployments.apps': '1000' } },
    });
    expect(lower.status).toBe(409);
    expect(lower.body['details']).toMatchObject({ shortfall: { 'requests.cpu': '500m' } });

    // Shrinking a share frees it; raising one beyond what is free is refused with what is free.
    const q2 = '/api/v1/tenants/quota-co/projects/p/namespaces/member-a/q2/quota';
    expect((await call('PUT', q2, { token: admin, body: { hard: { 'requests.cpu': '400m' } } })).status).toBe(200);
    const raise = await call('PUT', q2, { token: admin, body: { hard: { 'requests.cpu': '901m' } } });
    expect(raise.status).toBe(409);
    expect(raise.body['details']).toMatchObject({ free: { 'requests.cpu': '900m' } });
    expect(await desired('member-a', 'resourcequota.q2.cube-quota')).toMatchObject({
      kind: 'ResourceQuota',
      metadata: { name: 'cube-quota', namespace: 'q2' },
      spec: { hard: { 'requests.cpu': '400m' } },
    });
    await until('quota.changed for q2', async () =>
      seen.some((m) => m.subject === 'cube.events.tenancy.quota.changed' && (m.data['data'] as Json)['namespace'] === 'q2'),
    );
  });

  it('never over-allocates under 100 concurrent allocations, and never answers 500', async () => {
    expect((await call('POST', '/api/v1/tenants', { token: admin, body: { name: 'race' } })).status).toBe(201);
    expect((await call('POST', '/api/v1/tenants/race/projects', { token: admin, body: { name: 'p' } })).status).toBe(201);
    expect(
      (await call('PUT', '/api/v1/tenants/race/quotas/member-a', { token: admin, body: { hard: { 'requests.cpu': '10', pods: '25' } } }))
        .status,
    ).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        call('POST', '/api/v1/tenants/race/projects/p/namespaces', {
          token: admin,
          body: { name: `race-${i}`, cluster: 'member-a', quota: { hard: { 'requests.cpu': i % 2 === 0 ? '1' : '500m', pods: '1' } } },
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status !== 201 && status !== 409)).toEqual([]);
    const quotas = (await call('GET', '/api/v1/tenants/race/quotas', { token: admin })).body as unknown as Json[];
    const allocated = quotas[0]?.['allocated'] as Json;
    const cpuMillis = answers
      .map((answer, i) => (answer.status === 201 ? (i % 2 === 0 ? 1000 : 500) : 0))
      .reduce((a: number, b: number) => a + b, 0);
    expect(cpuMillis).toBeLessThanOrEqual(10_000);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(13);
    const expectedCpu = cpuMillis % 1000 === 0 ? String(cpuMillis / 1000) : `${cpuMillis}m`;
    expect(allocated).toEqual({ pods: String(statuses.filter((s) => s === 201).length), 'requests.cpu': expectedCpu });
  });

  it('records every write on the audit stream and announces changes on CUBE_EVENTS', async () => {
    await bus.flush();
    const actions = new Set(
      seen.filter((m) => m.subject === 'cube.audit.cube' && m.data['service'] === 'tenancy').map((m) => m.data['action']),
    );
    for (const action of [
      'tenant.create',
      'tenant.update',
      'tenant.delete',
      'project.create',
      'project.update',
      'project.delete',
      'namespace.create',
      'namespace.delete',
      'namespace.quota.set',
      'tenant.quota.set',
    ]) {
      expect(actions).toContain(action);
    }
    const refused = seen.find(
      (m) =>
        m.subject === 'cube.audit.cube' &&
        m.data['service'] === 'tenancy' &&
        m.data['outcome'] === 'failure' &&
        m.data['action'] === 'tenant.create',
    );
    expect(refused?.data['reason']).toMatch(/^(CONFLICT|FORBIDDEN)/);
    const announced = [
      'tenant.created',
      'tenant.updated',
      'project.created',
      'project.updated',
      'namespace.created',
      'namespace.updated',
      'namespace.deleted',
      'quota.changed',
    ];
    const subjects = () => new Set(seen.map((m) => m.subject));
    await until('every tenancy event kind', async () => announced.every((subject) => subjects().has(`cube.events.tenancy.${subject}`)));
    for (const subject of announced) expect(subjects()).toContain(`cube.events.tenancy.${subject}`);
    const asyncapi = await call('GET', '/api/docs/asyncapi.json');
    expect(JSON.stringify(asyncapi.body)).toContain('cube.events.tenancy.quota.changed');
    const openapi = await call('GET', '/api/docs/openapi.json');
    const paths = Object.keys(openapi.body['paths'] as Json);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/tenants',
        '/api/v1/tenants/{tenant}',
        '/api/v1/tenants/{tenant}/projects/{project}/namespaces/{cluster}/{namespace}/quota',
        '/api/v1/tenants/{tenant}/quotas/{cluster}',
        '/api/v1/namespaces',
        '/api/v1/tenants/{tenant}/members',
      ]),
    );
  });

  it("rewrites every cluster's desired state from the database when tenancy starts, dropping its stray keys and keeping hotplug's", async () => {
    const store = await bucket('member-a');
    const json = JSONCodec<Json>();
    await stack.stopProcess('tenancy');
    await store.put('namespace.stray', json.encode({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stray' } }));
    await store.delete('namespace.web-dev');
    await store.put(
      'resourcequota.q2.cube-quota',
      json.encode({
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'cube-quota', namespace: 'q2' },
        spec: { hard: { 'requests.cpu': '64' } },
      }),
    );
    // The hotplug service's keys share the bucket and are not tenancy's to drop.
    const hotplugObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kit', namespace: 'kit' } };
    await store.put('hotplug.kit.configmap.kit.kit', json.encode(hotplugObject));
    // Platform bindings' ClusterRoleBindings too, in a cluster without namespaces as well.
    const bootstrap = items((await call('GET', '/api/v1/rolebindings?scope=platform&user=admin', { token: admin })).body)[0] as Json;
    const adminKey = `clusterrolebinding.cube-${String(bootstrap['id'])}`;
    const late = await bucket('member-c');
    await late.delete(adminKey);
    await late.put(
      'clusterrolebinding.cube-00000000-0000-4000-8000-000000000000',
      json.encode({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'cube-stray' } }),
    );
    await stack.startProcess('tenancy');
    await until(
      "member-a's bucket matches the database again",
      async () => (await desired('member-a', 'namespace.stray')) === null && (await desired('member-a', 'namespace.web-dev')) !== null,
      30_000,
    );
    await until(
      "member-c's ClusterRoleBindings match the platform bindings again",
      async () =>
        (await desired('member-c', adminKey)) !== null &&
        (await desired('member-c', 'clusterrolebinding.cube-00000000-0000-4000-8000-000000000000')) === null,
      30_000,
    );
    expect(await desired('member-a', 'resourcequota.q2.cube-quota')).toMatchObject({ spec: { hard: { 'requests.cpu': '400m' } } });
    expect(await desired('member-a', 'clusterrole.cube-member')).toMatchObject({ kind: 'ClusterRole' });
    expect(await desired('member-b', 'namespace.web-dev')).toMatchObject({ kind: 'Namespace' });
    expect(await desired('member-a', 'hotplug.kit.configmap.kit.kit')).toEqual(hotplugObject);
  });
});
