import { ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeServer, makeServingCertificates, startKubeServer } from '@cube/testing';
import { eventually, gatewayClient, Json, kubeCall, kubeGet, LineLog, startTestStack, tempDir, TestStack, spawnWarden } from './support';

const ADMIN_PASSWORD = 'e2e-proxy-tenant-lists-secret-2026';
const KUBECTL = '/usr/bin/kubectl';
const MEMBER = 'alice';
const MEMBER_PASSWORD = 'correct horse battery staple 5';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kubectl(kubeconfig: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The first two columns of kubectl's table (`NAMESPACE NAME` with -A), header left out. */
const firstColumns = (stdout: string, count: number) =>
  stdout
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((line) => line.split(/\s+/).slice(0, count).join('/'));

// Issue #22, tenant-wide lists: through the proxy a member's `kubectl get … -A` and `get ns` answer
// with their own namespaces in each cluster (their RBAC judging each), a platform admin's answer is
// the member's own.
describe('tenant-wide kubectl lists through the native API proxy', () => {
  const log = new LineLog();
  let running: TestStack;
  let admin: string;
  let memberA: KubeServer;
  let memberB: KubeServer;
  let dir: { path: string; remove(): Promise<void> };
  let aliceConfig: string;
  let adminConfig: string;
  let alice: string;
  let gatewayCa: string;
  const processes: ChildProcess[] = [];
  const members = () => ({ 'member-a': memberA, 'member-b': memberB });
  /** Alice's namespaces in each cluster (acme's); globex-a and the clusters' own are not hers. */
  const ALICE_NAMESPACES = { 'member-a': ['acme-a', 'acme-a2'], 'member-b': ['acme-b'] } as const;

  const client = gatewayClient(() => running.stack.gatewayUrl, { ca: () => gatewayCa });
  const call = (method: string, path: string, options: { token?: string | null; body?: unknown } = {}) =>
    client.call(method, path, { token: (options.token === undefined ? admin : options.token) ?? undefined, body: options.body });
  const created = async (method: string, path: string, body: unknown) => {
    const response = await call(method, path, { body });
    if (response.status !== 201) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
    return response.body;
  };
  const createIn = async (member: KubeServer, path: string, body: Json) => {
    const answer = await kubeCall(member, 'POST', path, { body });
    if (answer.status !== 201) throw new Error(`POST ${path}: ${answer.status} ${answer.text}`);
  };
  const exists = async (member: KubeServer, path: string) => ((await kubeGet(member, path)).status === 200 ? true : undefined);

  const startWarden = async (name: string, member: KubeServer) => {
    const child = await spawnWarden({ cluster: name, kubeconfig: member.kubeconfig, dir: dir.path, log: log.push });
    processes.push(child);
  };

  /** `namespace/name` of every object of a namespaced collection in the given namespaces, in kube-apiserver's order. */
  const expectedIn = async (member: KubeServer, namespaces: readonly string[], collection: string, query = '') => {
    const names: string[] = [];
    for (const namespace of namespaces) {
      const [prefix, resource] = collection.split('|') as [string, string];
      const list = await kubeGet(member, `${prefix}/namespaces/${namespace}/${resource}${query}`);
      for (const item of list.body['items'] as { metadata: { name: string } }[]) names.push(`${namespace}/${item.metadata.name}`);
    }
    return names;
  };

  beforeAll(async () => {
    dir = await tempDir('cube-e2e-tenant-lists');
    [memberA, memberB] = await Promise.all([startKubeServer({ name: 'member-a' }), startKubeServer({ name: 'member-b' })]);
    const tls = await makeServingCertificates('cube-gateway');
    gatewayCa = tls.caCert;
    const files = { cert: join(dir.path, 'gateway.crt'), key: join(dir.path, 'gateway.key'), ca: join(dir.path, 'gateway-ca.crt') };
    await writeFile(files.cert, tls.cert);
    await writeFile(files.key, tls.key, { mode: 0o600 });
    await writeFile(files.ca, tls.caCert);
    running = await startTestStack(
      'tenantlists',
      { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD, CUBE_TLS_CERT_FILE: files.cert, CUBE_TLS_KEY_FILE: files.key, CUBE_PUBLIC_CA_FILE: files.ca },
      log.push,
    );
    await eventually('gateway ready', 60_000, async () =>
      (await call('GET', '/readyz', { token: null })).status === 200 ? true : undefined,
    );
    admin = await client.token('admin', ADMIN_PASSWORD);

    await created('POST', '/api/v1/clusters', { name: 'member-a', kubeconfig: memberA.kubeconfig });
    await created('POST', '/api/v1/clusters', { name: 'member-b', kubeconfig: memberB.kubeconfig });
    await startWarden('member-a', memberA);
    await startWarden('member-b', memberB);
    for (const name of ['member-a', 'member-b']) {
      await eventually(`${name} normal`, 60_000, async () =>
        (await call('GET', `/api/v1/clusters/${name}`)).body['status'] === 'normal' ? true : undefined,
      );
    }
    for (const tenant of ['acme', 'globex']) {
      await created('POST', '/api/v1/tenants', { name: tenant });
      await created('POST', `/api/v1/tenants/${tenant}/projects`, { name: 'web' });
    }
    for (const [tenant, name, cluster] of [
      ['acme', 'acme-a', 'member-a'],
      ['acme', 'acme-a2', 'member-a'],
      ['acme', 'acme-b', 'member-b'],
      ['globex', 'globex-a', 'member-a'],
    ] as const) {
      await created('POST', `/api/v1/tenants/${tenant}/projects/web/namespaces`, { name, cluster });
    }
    await created('POST', '/api/v1/users', { name: MEMBER, password: MEMBER_PASSWORD });
    await created('POST', '/api/v1/rolebindings', {
      subject: { kind: 'User', name: MEMBER },
      role: 'member',
      scope: { kind: 'project', tenant: 'acme', project: 'web' },
    });

    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    for (const [member, namespace] of [
      [memberA, 'acme-a'],
      [memberA, 'acme-a2'],
      [memberA, 'globex-a'],
      [memberB, 'acme-b'],
    ] as const) {
      await eventually(`namespace ${namespace}`, 30_000, () => exists(member, `/api/v1/namespaces/${namespace}`));
      if (namespace === 'globex-a') continue;
      await eventually(`alice's RoleBinding in ${namespace}`, 30_000, async () => {
        const list = await kubeGet(member, `${rbac}/namespaces/${namespace}/rolebindings`);
        const items = (list.body['items'] as { subjects?: { name: string }[]; roleRef: { name: string } }[] | undefined) ?? [];
        return items.some((item) => item.roleRef.name === 'cube:member' && item.subjects?.some((subject) => subject.name === MEMBER))
          ? true
          : undefined;
      });
    }
    // The platform admin's ClusterRoleBinding, as Warden applies it in every member.
    for (const member of [memberA, memberB]) {
      await eventually("the platform admin's ClusterRoleBinding", 30_000, async () => {
        const list = await kubeGet(member, `${rbac}/clusterrolebindings`);
        const items = (list.body['items'] as { subjects?: { name: string }[] }[] | undefined) ?? [];
        return items.some((item) => item.subjects?.some((subject) => subject.name === 'admin')) ? true : undefined;
      });
    }

    // Objects in every namespace, the clusters' own included: only acme's may reach alice.
    const pod = (namespace: string, name: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace },
      spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
    });
    const deployment = (namespace: string, name: string, app: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels: { app } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { run: name } },
        template: { metadata: { labels: { run: name } }, spec: { containers: [{ name: 'main', image: 'busybox' }] } },
      },
    });
    const configMap = (namespace: string, name: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace },
      data: { k: 'v' },
    });
    const seed: [KubeServer, string, string[], [string, string][]][] = [
      [
        memberA,
        'acme-a',
        ['api', 'web'],
        [
          ['web', 'x'],
          ['cache', 'y'],
        ],
      ],
      [memberA, 'acme-a2', ['batch', 'cron', 'zeta'], [['jobs', 'x']]],
      [memberA, 'globex-a', ['secret-pod'], [['secret-web', 'x']]],
      [memberA, 'default', ['default-pod'], [['default-web', 'x']]],
      [memberB, 'acme-b', ['b-one', 'b-two'], [['b-web', 'x']]],
      [memberB, 'default', ['b-default'], [['b-default-web', 'x']]],
    ];
    for (const [member, namespace, pods, deployments] of seed) {
      for (const name of pods) {
        await createIn(member, `/api/v1/namespaces/${namespace}/pods`, pod(namespace, name));
        await createIn(member, `/api/v1/namespaces/${namespace}/configmaps`, configMap(namespace, `${name}-settings`));
      }
      for (const [name, app] of deployments) {
        await createIn(member, `/apis/apps/v1/namespaces/${namespace}/deployments`, deployment(namespace, name, app));
      }
    }

    alice = await client.token(MEMBER, MEMBER_PASSWORD);
    const aliceFile = await eventually('a kubeconfig with both clusters', 15_000, async () => {
      const namespaces = await call('GET', '/api/v1/namespaces', { token: alice });
      if ((namespaces.body['items'] as Json[] | undefined)?.length !== 3) return undefined;
      const response = await call('GET', '/api/v1/kubeconfig', { token: alice });
      return response.status === 200 ? response.text : undefined;
    });
    aliceConfig = join(dir.path, 'alice.kubeconfig');
    await writeFile(aliceConfig, aliceFile, { mode: 0o600 });
    const adminFile = await call('GET', '/api/v1/kubeconfig');
    expect(adminFile.status).toBe(200);
    adminConfig = join(dir.path, 'admin.kubeconfig');
    await writeFile(adminConfig, adminFile.text, { mode: 0o600 });
  }, 240_000);

  afterAll(async () => {
    if (process.env['CUBE_E2E_LOG']) await writeFile(process.env['CUBE_E2E_LOG'], log.all().join('\n'));
    for (const child of processes) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await running?.stop();
    await Promise.all([memberA?.stop(), memberB?.stop()]);
    await dir?.remove();
  });

  it("answers a member's get pods -A with exactly their namespaces' pods, in each cluster", async () => {
    for (const [context, member] of Object.entries(members())) {
      const namespaces = ALICE_NAMESPACES[context as keyof typeof ALICE_NAMESPACES];
      // The member itself still refuses alice the cluster-wide list: the proxy answers it from her namespaces.
      const asAlice = { 'Impersonate-User': MEMBER, 'Impersonate-Group': 'system:authenticated' };
      expect((await kubeGet(member, '/api/v1/pods', asAlice)).status).toBe(403);
      const result = await kubectl(aliceConfig, ['--context', context, 'get', 'pods', '-A']);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      const expected = await expectedIn(member, namespaces, '/api/v1|pods');
      expect(expected.length).toBeGreaterThan(0);
      expect(firstColumns(result.stdout, 2)).toEqual(expected);
    }
  });

  it("lists the member's namespaces with get ns, and nothing of other tenants", async () => {
    for (const [context, namespaces] of Object.entries(ALICE_NAMESPACES)) {
      const result = await kubectl(aliceConfig, ['--context', context, 'get', 'ns']);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+AGE$/);
      expect(firstColumns(result.stdout, 1)).toEqual(namespaces);
    }
    // Selectors are honoured (namespaces carry Cube's tenant label).
    const none = await kubectl(aliceConfig, ['--context', 'member-a', 'get', 'ns', '-l', 'cube.io/tenant=globex']);
    // (kubectl's wording for an empty Table of a cluster-scoped resource, as with the member's own answer.)
    expect(none).toEqual({ code: 0, stdout: '', stderr: 'No resources found\n' });
    const named = await kubectl(aliceConfig, [
      '--context',
      'member-a',
      'get',
      'ns',
      '--field-selector',
      'metadata.name=acme-a2',
      '-o',
      'name',
    ]);
    expect(named).toEqual({ code: 0, stdout: 'namespace/acme-a2\n', stderr: '' });
  });

  it('honours a label selector across namespaces (get deploy -A -l app=x)', async () => {
    const expected = {
      'member-a': ['acme-a/web', 'acme-a2/jobs'],
      'member-b': ['acme-b/b-web'],
    };
    for (const [context, names] of Object.entries(expected)) {
      const result = await kubectl(aliceConfig, ['--context', context, 'get', 'deploy', '-A', '-l', 'app=x']);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(firstColumns(result.stdout, 2)).toEqual(names);
    }
  });

  it('pages with --chunk-size=2 through continue tokens of the proxy', async () => {
    for (const [context, member] of Object.entries(members())) {
      const namespaces = ALICE_NAMESPACES[context as keyof typeof ALICE_NAMESPACES];
      const whole = await kubectl(aliceConfig, ['--context', context, 'get', 'configmaps', '-A']);
      const paged = await kubectl(aliceConfig, ['--context', context, 'get', 'configmaps', '-A', '--chunk-size=2', '-v=6']);
      expect(paged.code).toBe(0);
      expect(firstColumns(paged.stdout, 2)).toEqual(await expectedIn(member, namespaces, '/api/v1|configmaps'));
      expect(firstColumns(paged.stdout, 2)).toEqual(firstColumns(whole.stdout, 2));
      // It did ask page by page: more than one request, every later one with the proxy's continue.
      const requests = paged.stderr.split('\n').filter((line) => /GET https:\S+\/api\/v1\/configmaps\?/.test(line));
      expect(requests.length).toBeGreaterThan(1);
      expect(requests.slice(1).every((line) => line.includes('continue='))).toBe(true);
    }
    // A continue that is not the proxy's: 400 as kube-apiserver answers a malformed one.
    const bad = await call('GET', '/api/v1/proxy/clusters/member-a/api/v1/configmaps?limit=2&continue=bm9wZQ', { token: alice });
    expect({ status: bad.status, kind: bad.body['kind'], reason: bad.body['reason'] }).toEqual({
      status: 400,
      kind: 'Status',
      reason: 'BadRequest',
    });
  });

  it('watches configmaps across the member namespaces (get cm -A --watch) in both clusters', async () => {
    for (const [context, member] of Object.entries(members())) {
      const [own, other] = context === 'member-a' ? ['acme-a2', 'globex-a'] : ['acme-b', 'default'];
      const watcher = spawn(KUBECTL, ['--kubeconfig', aliceConfig, '--context', context, 'get', 'cm', '-A', '--watch'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      processes.push(watcher);
      let stdout = '';
      let stderr = '';
      watcher.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      watcher.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const initial = await expectedIn(member, ALICE_NAMESPACES[context as keyof typeof ALICE_NAMESPACES], '/api/v1|configmaps');
      await eventually('the initial list', 15_000, async () => (firstColumns(stdout, 2).length >= initial.length ? true : undefined));
      expect(firstColumns(stdout, 2)).toEqual(initial);

      // Made after the list: they can reach kubectl only through the merged watch.
      const make = (namespace: string, name: string) =>
        createIn(member, `/api/v1/namespaces/${namespace}/configmaps`, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, namespace },
        });
      await make(other, `not-hers-${context}`);
      await make(own, `watched-${context}`);
      await eventually('the event reached the watcher', 15_000, async () =>
        firstColumns(stdout, 2).includes(`${own}/watched-${context}`) ? true : undefined,
      );
      expect(stdout).not.toContain('not-hers');
      expect(stderr).toBe('');
      expect(watcher.exitCode).toBeNull();
      watcher.kill('SIGTERM');
    }
  });

  it("gives a platform admin the member's own answer, byte for byte", async () => {
    for (const [context, member] of Object.entries(members())) {
      for (const path of ['/api/v1/configmaps', '/api/v1/namespaces', '/apis/apps/v1/deployments?labelSelector=app%3Dx']) {
        const viaCube = await call('GET', `/api/v1/proxy/clusters/${context}${path}`);
        const own = await kubeGet(member, path);
        expect(viaCube.status).toBe(200);
        expect(viaCube.text).toBe(own.text);
      }
      // And kubectl prints the same as with the member's own admin kubeconfig.
      const fromCube = await kubectl(adminConfig, ['--context', context, 'get', 'configmaps', '-A', '-o', 'json']);
      const fromMember = await kubectl(join(dir.path, `${context}.admin.kubeconfig`), ['get', 'configmaps', '-A', '-o', 'json']);
      expect(fromCube.code).toBe(0);
      expect(fromCube.stdout).toBe(fromMember.stdout);
    }
  });
});
