import { ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { RunningStack } from '@cube/dev-stack';
import { KubeServer, makeServingCertificates, startKubeServer } from '@cube/testing';
import { eventually, gatewayClient, Json, kubeCall, kubeGet, LineLog, startTestStack, tempDir, TestStack, spawnWarden } from './support';

const ADMIN_PASSWORD = 'e2e-proxy-kubectl-secret-2026';
const KUBECTL = '/usr/bin/kubectl';
const MEMBER = 'alice';
const MEMBER_PASSWORD = 'correct horse battery staple 5';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs kubectl to completion. */
function kubectl(kubeconfig: string, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const configMap = (namespace: string, name: string, value: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { value } });

// The issue's "done when": a member downloads their kubeconfig and drives the real kubectl through
// the gateway's proxy against two member clusters, whose RBAC Warden synced from Cube's bindings.
describe('kubectl through the native API proxy', () => {
  const log = new LineLog();
  let running: TestStack;
  let stack: RunningStack;
  let admin: string;
  let memberA: KubeServer;
  let memberB: KubeServer;
  let dir: { path: string; remove(): Promise<void> };
  let kubeconfig: string;
  let gatewayCa: string;
  let downloaded: string;
  const wardens = new Map<string, ChildProcess>();
  const watchers: ChildProcess[] = [];

  /** The gateway serves HTTPS here (kubectl sends bearer tokens only over TLS), under the test's own CA. */
  const client = gatewayClient(() => stack.gatewayUrl, { ca: () => gatewayCa });
  /** As the admin unless another token (null: none) is given. */
  const call = (method: string, path: string, options: { token?: string | null; body?: unknown } = {}) =>
    client.call(method, path, { token: (options.token === undefined ? admin : options.token) ?? undefined, body: options.body });
  const created = async (method: string, path: string, body: unknown) => {
    const response = await call(method, path, { body });
    if (response.status !== 201) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
    return response.body;
  };

  const startWarden = async (name: string, member: KubeServer) => {
    const child = await spawnWarden({ cluster: name, kubeconfig: member.kubeconfig, dir: dir.path, log: log.push });
    wardens.set(name, child);
  };

  const exists = async (member: KubeServer, path: string) => ((await kubeGet(member, path)).status === 200 ? true : undefined);

  beforeAll(async () => {
    dir = await tempDir('cube-e2e-proxy-kubectl');
    [memberA, memberB] = await Promise.all([startKubeServer({ name: 'member-a' }), startKubeServer({ name: 'member-b' })]);
    const tls = await makeServingCertificates('cube-gateway');
    gatewayCa = tls.caCert;
    const files = { cert: join(dir.path, 'gateway.crt'), key: join(dir.path, 'gateway.key'), ca: join(dir.path, 'gateway-ca.crt') };
    await writeFile(files.cert, tls.cert);
    await writeFile(files.key, tls.key, { mode: 0o600 });
    await writeFile(files.ca, tls.caCert);
    running = await startTestStack(
      'proxykubectl',
      { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD, CUBE_TLS_CERT_FILE: files.cert, CUBE_TLS_KEY_FILE: files.key, CUBE_PUBLIC_CA_FILE: files.ca },
      log.push,
    );
    stack = running.stack;
    await eventually('gateway ready', 60_000, async () =>
      (await call('GET', '/readyz', { token: null })).status === 200 ? true : undefined,
    );
    admin = await client.token('admin', ADMIN_PASSWORD);

    await created('POST', '/api/v1/clusters', { name: 'member-a', kubeconfig: memberA.kubeconfig });
    await created('POST', '/api/v1/clusters', { name: 'member-b', kubeconfig: memberB.kubeconfig });
    await startWarden('member-a', memberA);
    await startWarden('member-b', memberB);
    for (const name of ['member-a', 'member-b']) {
      await eventually(`${name} normal`, 30_000, async () =>
        (await call('GET', `/api/v1/clusters/${name}`)).body['status'] === 'normal' ? true : undefined,
      );
    }

    // Membership the real way: tenants, projects and namespaces through the gateway, the member bound
    // at project scope; tenancy writes the desired state and each cluster's Warden applies it.
    for (const tenant of ['acme', 'globex']) {
      await created('POST', '/api/v1/tenants', { name: tenant });
      await created('POST', `/api/v1/tenants/${tenant}/projects`, { name: 'web' });
    }
    await created('POST', '/api/v1/tenants/acme/projects/web/namespaces', { name: 'acme-a', cluster: 'member-a' });
    await created('POST', '/api/v1/tenants/acme/projects/web/namespaces', { name: 'acme-b', cluster: 'member-b' });
    await created('POST', '/api/v1/tenants/globex/projects/web/namespaces', { name: 'globex-a', cluster: 'member-a' });
    await created('POST', '/api/v1/users', { name: MEMBER, password: MEMBER_PASSWORD });
    await created('POST', '/api/v1/rolebindings', {
      subject: { kind: 'User', name: MEMBER },
      role: 'member',
      scope: { kind: 'project', tenant: 'acme', project: 'web' },
    });

    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    for (const [member, namespace] of [
      [memberA, 'acme-a'],
      [memberA, 'globex-a'],
      [memberB, 'acme-b'],
    ] as const) {
      await eventually(`namespace ${namespace}`, 30_000, () => exists(member, `/api/v1/namespaces/${namespace}`));
    }
    for (const member of [memberA, memberB]) {
      await eventually('ClusterRole cube:member', 30_000, () => exists(member, `${rbac}/clusterroles/cube:member`));
    }
    for (const [member, namespace] of [
      [memberA, 'acme-a'],
      [memberB, 'acme-b'],
    ] as const) {
      await eventually(`alice's RoleBinding in ${namespace}`, 30_000, async () => {
        const list = await kubeGet(member, `${rbac}/namespaces/${namespace}/rolebindings`);
        const items = (list.body['items'] as { subjects?: { name: string }[]; roleRef: { name: string } }[] | undefined) ?? [];
        return items.some((item) => item.roleRef.name === 'cube:member' && item.subjects?.some((subject) => subject.name === MEMBER))
          ? true
          : undefined;
      });
    }

    const alice = await client.token(MEMBER, MEMBER_PASSWORD);
    // Tenancy learns of the binding from identity's events: alice's file lists both clusters once it has.
    const file = await eventually('a kubeconfig with both clusters', 15_000, async () => {
      const namespaces = await call('GET', '/api/v1/namespaces', { token: alice });
      if ((namespaces.body['items'] as Json[] | undefined)?.length !== 2) return undefined;
      const response = await call('GET', '/api/v1/kubeconfig', { token: alice });
      return response.status === 200 ? response.text : undefined;
    });
    kubeconfig = join(dir.path, 'alice.kubeconfig');
    await writeFile(kubeconfig, file, { mode: 0o600 });
    downloaded = file;
  }, 240_000);

  afterAll(async () => {
    if (process.env['CUBE_E2E_LOG']) await writeFile(process.env['CUBE_E2E_LOG'], log.all().join('\n'));
    for (const child of [...watchers, ...wardens.values()]) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await running?.stop();
    await Promise.all([memberA?.stop(), memberB?.stop()]);
    await dir?.remove();
  });

  it("downloads a kubeconfig pointing at the gateway over TLS, trusting the gateway's CA, with a token of alice", async () => {
    const config = parse(downloaded) as {
      clusters: { name: string; cluster: Record<string, string> }[];
      users: { name: string; user: { token: string } }[];
    };
    expect(config.clusters.map((cluster) => [cluster.name, cluster.cluster['server']])).toEqual([
      ['member-a', `${stack.gatewayUrl}/api/v1/proxy/clusters/member-a`],
      ['member-b', `${stack.gatewayUrl}/api/v1/proxy/clusters/member-b`],
    ]);
    expect(stack.gatewayUrl).toMatch(/^https:/);
    expect(Buffer.from(config.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString()).toBe(gatewayCa);
    expect(config.users.map((user) => user.name)).toEqual([MEMBER]);
    expect(downloaded).not.toContain(memberA.adminToken);
    expect(downloaded).not.toContain(memberB.adminToken);
  });

  it("gets, creates, applies and deletes in the member's namespace of each cluster", async () => {
    for (const [context, namespace] of [
      ['member-a', 'acme-a'],
      ['member-b', 'acme-b'],
    ]) {
      // The context's namespace is the member's only one there: no -n needed.
      const empty = await kubectl(kubeconfig, ['--context', context, 'get', 'configmaps', '-l', 'app=demo']);
      expect(empty).toEqual({ code: 0, stdout: '', stderr: `No resources found in ${namespace} namespace.\n` });

      expect(await kubectl(kubeconfig, ['--context', context, 'create', 'configmap', 'settings', '--from-literal=colour=blue'])).toEqual({
        code: 0,
        stdout: 'configmap/settings created\n',
        stderr: '',
      });
      const applied = await kubectl(kubeconfig, ['--context', context, 'apply', '-f', '-'], configMap(namespace, 'applied', 'one'));
      expect(applied).toEqual({ code: 0, stdout: 'configmap/applied created\n', stderr: '' });
      const reapplied = await kubectl(kubeconfig, ['--context', context, 'apply', '-f', '-'], configMap(namespace, 'applied', 'two'));
      expect(reapplied).toEqual({ code: 0, stdout: 'configmap/applied configured\n', stderr: '' });

      const got = await kubectl(kubeconfig, ['--context', context, 'get', 'configmap', 'applied', '-o', 'jsonpath={.data.value}']);
      expect(got).toEqual({ code: 0, stdout: 'two', stderr: '' });
      const member = context === 'member-a' ? memberA : memberB;
      expect((await kubeGet(member, `/api/v1/namespaces/${namespace}/configmaps/settings`)).body['data']).toEqual({ colour: 'blue' });

      expect(await kubectl(kubeconfig, ['--context', context, 'delete', 'configmap', 'settings', 'applied'])).toEqual({
        code: 0,
        stdout: 'configmap "settings" deleted\nconfigmap "applied" deleted\n',
        stderr: '',
      });
      expect((await kubeGet(member, `/api/v1/namespaces/${namespace}/configmaps/applied`)).status).toBe(404);
    }
  });

  it("refuses the same in another tenant's namespace with the member cluster's own 403 message", async () => {
    // What member-a itself says to alice (impersonated by its admin, as the proxy does).
    const asAlice = { 'Impersonate-User': MEMBER, 'Impersonate-Group': 'system:authenticated' };
    const expected = async (method: string, path: string, body?: unknown) => {
      const answer = await kubeCall(memberA, method, path, { body, headers: asAlice });
      expect(answer.status).toBe(403);
      return String(answer.body['message']);
    };
    const ns = '/api/v1/namespaces/globex-a/configmaps';
    // kubectl's own wording around the server's message: `get` and `delete` print the Status as
    // "Error from server (Forbidden)", `create configmap` as "failed to create configmap".
    const cases: [string[], string][] = [
      [['get', 'configmaps'], `Error from server (Forbidden): ${await expected('GET', ns)}`],
      [
        ['create', 'configmap', 'intruder', '--from-literal=a=b'],
        `error: failed to create configmap: ${await expected('POST', ns, JSON.parse(configMap('globex-a', 'intruder', 'b')))}`,
      ],
      [['delete', 'configmap', 'kube-root-ca.crt'], `Error from server (Forbidden): ${await expected('DELETE', `${ns}/kube-root-ca.crt`)}`],
    ];
    for (const [args, stderr] of cases) {
      const result = await kubectl(kubeconfig, ['--context', 'member-a', '-n', 'globex-a', ...args]);
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 1, stderr: `${stderr}\n` });
    }
    const apply = await kubectl(kubeconfig, ['--context', 'member-a', 'apply', '-f', '-'], configMap('globex-a', 'intruder', 'b'));
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(`User "${MEMBER}" cannot get resource "configmaps" in API group "" in the namespace "globex-a"`);
    expect((await kubeGet(memberA, `${ns}/intruder`)).status).toBe(404);
  });

  it('streams a watch event caused by a second client (kubectl get pods -w)', async () => {
    // A pod from before the watch: once kubectl prints it, its initial list is done and it watches
    // from that list's resourceVersion, so a later pod can only reach it through the watch stream.
    const second = join(dir.path, 'member-a.admin.kubeconfig');
    const podNamed = (name: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'acme-a' },
        spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
      });
    expect((await kubectl(second, ['apply', '-f', '-'], podNamed('before'))).code).toBe(0);

    const watcher = spawn(KUBECTL, ['--kubeconfig', kubeconfig, '--context', 'member-a', 'get', 'pods', '-w', '-o', 'name'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    watchers.push(watcher);
    let stdout = '';
    watcher.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await eventually('the initial list', 15_000, async () => (stdout.includes('pod/before') ? true : undefined));
    expect(stdout).not.toContain('pod/watched');

    expect((await kubectl(second, ['apply', '-f', '-'], podNamed('watched'))).code).toBe(0);
    await eventually('the event reached the watcher', 15_000, async () => (stdout.includes('pod/watched') ? true : undefined));
    expect(watcher.exitCode).toBeNull();
  });

  it('runs a command in a pod (kubectl exec pod -- echo hi)', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'shell', namespace: 'acme-a' },
      spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
    };
    expect(await kubectl(kubeconfig, ['--context', 'member-a', 'apply', '-f', '-'], JSON.stringify(pod))).toEqual({
      code: 0,
      stdout: 'pod/shell created\n',
      stderr: '',
    });
    await eventually('pod shell Running', 20_000, async () =>
      (await kubectl(kubeconfig, ['--context', 'member-a', 'get', 'pod', 'shell', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running'
        ? true
        : undefined,
    );
    expect(await kubectl(kubeconfig, ['--context', 'member-a', 'exec', 'shell', '--', 'echo', 'hi'])).toEqual({
      code: 0,
      stdout: 'hi\n',
      stderr: '',
    });
  });

  it('answers kubectl auth can-i per the RBAC Warden synced', async () => {
    const canI = async (...args: string[]) => {
      const result = await kubectl(kubeconfig, ['auth', 'can-i', ...args]);
      return `${result.stdout.trim()} (${result.code})`;
    };
    expect(await canI('--context', 'member-a', 'create', 'deployments.apps')).toBe('yes (0)');
    expect(await canI('--context', 'member-b', 'delete', 'pods')).toBe('yes (0)');
    expect(await canI('--context', 'member-a', 'create', 'pods/exec')).toBe('yes (0)');
    // member is Kubernetes edit: no RBAC of its own, nothing outside its tenant's namespaces.
    expect(await canI('--context', 'member-a', 'create', 'rolebindings.rbac.authorization.k8s.io')).toBe('no (1)');
    expect(await canI('--context', 'member-a', '-n', 'globex-a', 'get', 'pods')).toBe('no (1)');
    expect(await canI('--context', 'member-a', 'create', 'namespaces')).toBe('no (1)');
  });
});
