import { parse } from 'yaml';
import { RunningStack } from '@cube/dev-stack';
import { KubeServer, startKubeServer } from '@cube/testing';
import { gatewayClient, Json, LineLog, startTestStack, TestStack, until, userBoundTo, waitForStatus } from './support';

const ADMIN_PASSWORD = 'e2e-kubeconfig-secret-2026';

interface Kubeconfig {
  'current-context': string;
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data'?: string } }[];
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  users: { name: string; user: { token: string } }[];
}

// Per-user kubeconfigs through the gateway: which clusters a user gets, the token they carry, and
// that a refused download creates no token.
describe('kubeconfig downloads', () => {
  const log = new LineLog();
  let running: TestStack;
  let stack: RunningStack;
  let admin: string;
  let memberA: KubeServer;
  let memberB: KubeServer;

  const client = gatewayClient(() => stack.gatewayUrl);
  const tokenNames = async (token: string) =>
    ((await client.call('GET', '/api/v1/tokens', { token })).body['items'] as Json[]).map((item) => item['name']);

  /** Tenancy learns of bindings from identity's events: a state to reach, polled with a bound. */
  beforeAll(async () => {
    [memberA, memberB] = await Promise.all([startKubeServer({ name: 'kc-a' }), startKubeServer({ name: 'kc-b' })]);
    running = await startTestStack('kubeconfig', { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD }, log.push);
    stack = running.stack;
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    admin = await client.token('admin', ADMIN_PASSWORD);
    for (const [name, member] of [
      ['member-a', memberA],
      ['member-b', memberB],
    ] as const) {
      expect((await client.call('POST', '/api/v1/clusters', { token: admin, body: { name, kubeconfig: member.kubeconfig } })).status).toBe(
        201,
      );
    }
    for (const tenant of ['acme', 'globex']) {
      expect((await client.call('POST', '/api/v1/tenants', { token: admin, body: { name: tenant } })).status).toBe(201);
      expect((await client.call('POST', `/api/v1/tenants/${tenant}/projects`, { token: admin, body: { name: 'web' } })).status).toBe(201);
    }
    // acme: one namespace in A, two in B; globex: one in B only.
    for (const [tenant, name, cluster] of [
      ['acme', 'acme-dev', 'member-a'],
      ['acme', 'acme-b1', 'member-b'],
      ['acme', 'acme-b2', 'member-b'],
      ['globex', 'globex-dev', 'member-b'],
    ]) {
      expect(
        (await client.call('POST', `/api/v1/tenants/${tenant}/projects/web/namespaces`, { token: admin, body: { name, cluster } })).status,
      ).toBe(201);
    }
  });

  afterAll(async () => {
    await running?.stop();
    await Promise.all([memberA?.stop(), memberB?.stop()]);
  });

  it('gives a member a kubeconfig of their cluster: proxy server, their namespace, a new token that works as a bearer', async () => {
    const { token: alice } = await userBoundTo(client, admin, {
      name: 'alice',
      role: 'member',
      scope: { kind: 'project', tenant: 'acme', project: 'web' },
    });
    await until(
      'alice sees her namespaces',
      async () => ((await client.call('GET', '/api/v1/namespaces', { token: alice })).body['items'] as Json[]).length === 3,
    );

    const response = await client.call('GET', '/api/v1/clusters/member-a/kubeconfig', { token: alice });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const config = parse(response.text) as Kubeconfig;
    expect(config['current-context']).toBe('member-a');
    expect(config.clusters).toEqual([{ name: 'member-a', cluster: { server: `${stack.gatewayUrl}/api/v1/proxy/clusters/member-a` } }]);
    expect(config.contexts).toEqual([{ name: 'member-a', context: { cluster: 'member-a', user: 'alice', namespace: 'acme-dev' } }]);
    expect(config.users).toHaveLength(1);
    // Never the cluster's own credentials.
    expect(response.text).not.toContain(memberA.adminToken);

    const token = config.users[0]?.user.token ?? '';
    const me = await client.call('GET', '/api/v1/me', { token });
    expect(me.status).toBe(200);
    expect((me.body['user'] as Json)['name']).toBe('alice');
    expect(await tokenNames(alice)).toEqual(['kubeconfig-member-a']);
    expect(log.all().join('\n')).not.toContain(token);
  });

  it('gives every reachable cluster in one file, without a default namespace where the user has several', async () => {
    const alice = await client.token('alice', 'correct horse battery staple 5');
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const response = await client.call('GET', `/api/v1/kubeconfig?tokenName=laptop&expiresAt=${encodeURIComponent(expiresAt)}`, {
      token: alice,
    });
    expect(response.status).toBe(200);
    const config = parse(response.text) as Kubeconfig;
    expect(config.contexts).toEqual([
      { name: 'member-a', context: { cluster: 'member-a', user: 'alice', namespace: 'acme-dev' } },
      { name: 'member-b', context: { cluster: 'member-b', user: 'alice' } },
    ]);
    const tokens = (await client.call('GET', '/api/v1/tokens', { token: alice })).body['items'] as Json[];
    expect(tokens.find((item) => item['name'] === 'laptop')).toMatchObject({ expiresAt: expiresAt });
    expect((await client.call('GET', '/api/v1/me', { token: config.users[0]?.user.token })).status).toBe(200);
  });

  it("shows a user only the clusters of their tenant, and answers 404 for another's cluster without creating a token", async () => {
    const { token: gina } = await userBoundTo(client, admin, { name: 'gina', role: 'viewer', scope: { kind: 'tenant', tenant: 'globex' } });
    await until(
      'gina sees her namespace',
      async () => ((await client.call('GET', '/api/v1/namespaces', { token: gina })).body['items'] as Json[]).length === 1,
    );
    const all = parse((await client.call('GET', '/api/v1/kubeconfig', { token: gina })).text) as Kubeconfig;
    expect(all.clusters.map((cluster) => cluster.name)).toEqual(['member-b']);
    expect(all.contexts[0]?.context.namespace).toBe('globex-dev');

    const refused = await client.call('GET', '/api/v1/clusters/member-a/kubeconfig', { token: gina });
    expect(refused).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    const unknown = await client.call('GET', '/api/v1/clusters/member-z/kubeconfig', { token: gina });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(await tokenNames(gina)).toEqual(['kubeconfig']);
  });

  it('gives a platform admin every registered cluster', async () => {
    const config = parse((await client.call('GET', '/api/v1/kubeconfig?tokenName=admin-all', { token: admin })).text) as Kubeconfig;
    expect(config.clusters.map((cluster) => cluster.name)).toEqual(['member-a', 'member-b']);
    expect(config.contexts.every((context) => context.context.namespace === undefined)).toBe(true);
  });

  it('refuses a bad query with a 4xx code and a taken token name with 409, creating nothing', async () => {
    const bad = await client.call('GET', '/api/v1/clusters/member-a/kubeconfig?expiresAt=tomorrow', { token: admin });
    expect(bad).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST', details: { fields: [{ field: 'expiresAt' }] } } });
    const unknownField = await client.call('GET', '/api/v1/clusters/member-a/kubeconfig?owner=bob', { token: admin });
    expect(unknownField.status).toBe(400);
    const past = await client.call('GET', `/api/v1/clusters/member-a/kubeconfig?expiresAt=${encodeURIComponent('2020-01-01T00:00:00Z')}`, {
      token: admin,
    });
    expect(past).toMatchObject({ status: 422, body: { code: 'UNPROCESSABLE' } });
    const taken = await client.call('GET', '/api/v1/clusters/member-a/kubeconfig?tokenName=admin-all', { token: admin });
    expect(taken).toMatchObject({ status: 409, body: { code: 'CONFLICT' } });
    expect(await tokenNames(admin)).toEqual(['admin-all']);
    expect((await client.call('GET', '/api/v1/kubeconfig')).status).toBe(401);
  });

  it('documents both downloads in OpenAPI as YAML', async () => {
    const document = (await client.call('GET', '/api/docs/openapi.json')).body as unknown as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    for (const path of ['/api/v1/clusters/{cluster}/kubeconfig', '/api/v1/kubeconfig']) {
      expect(Object.keys(document.paths[path]?.['get']?.responses['200']?.content ?? {})).toEqual(['application/yaml']);
    }
  });
});
