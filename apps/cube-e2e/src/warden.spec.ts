import { ChildProcess, spawn } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@cube/dev-stack';
import { AuthnWebhookOptions, KubeServer, startKubeServer } from '@cube/testing';
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

const ADMIN_PASSWORD = 'e2e-warden-secret-2026';
const MEMBER_PASSWORD = 'correct horse battery staple 7';
const HEARTBEAT_TIMEOUT_SECONDS = 2;
const HEARTBEAT_INTERVAL_SECONDS = 0.3;
const KUBECTL = '/usr/bin/kubectl';

interface Member {
  name: string;
  server: KubeServer;
  /** The apiserver's TokenReview webhook (--authentication-token-webhook-config-file): the CA is set once registration made it. */
  authn: AuthnWebhookOptions;
  webhookPort: number;
  stateDir: string;
}

// Issue #7, Done when: two member clusters whose apiservers ask Warden (TokenReview, ResourceQuota
// admission), registered through the gateway, one Warden process each; tenancy's desired state
// reaches both; a tenant member uses kubectl with their Cube token directly against cluster A; a
// direct quota raise beyond the tenant's is denied; a dead Warden turns its cluster abnormal; and
// with NATS stopped cluster A still authenticates and enforces quota from Warden's cache.
describe('Warden in member clusters: desired state, TokenReview, quota webhook, autonomy', () => {
  const log = new LineLog();
  let running: TestStack;
  let adminToken: string;
  let memberToken: string;
  let apiToken: string;
  let dir: { path: string; remove(): Promise<void> };
  let a: Member;
  let b: Member;
  const wardens = new Map<string, ChildProcess>();

  const client = gatewayClient(() => running.stack.gatewayUrl);
  const call = (method: string, path: string, body?: unknown, token = adminToken) => client.call(method, path, { token, body });
  const statusOf = async (name: string) => String((await call('GET', `/api/v1/clusters/${name}`)).body['status']);
  const reaches = (name: string, status: string, deadlineMs: number) =>
    eventually(`${name} ${status}`, deadlineMs, async () => ((await statusOf(name)) === status ? true : undefined));

  const makeMember = async (name: string): Promise<Member> => {
    const webhookPort = await freePort();
    // Reached as localhost (a SAN of the serving certificate): an apiserver resolves its webhook with the node's DNS.
    const authn: AuthnWebhookOptions = { url: `https://localhost:${webhookPort}/authenticate`, cacheTtlMs: 0 };
    const server = await startKubeServer({ name, authnWebhook: authn });
    return { name, server, authn, webhookPort, stateDir: join(dir.path, `${name}-state`) };
  };

  const startWarden = async (member: Member) => {
    const kubeconfig = join(dir.path, `${member.name}.kubeconfig`);
    await writeFile(kubeconfig, member.server.kubeconfig, { mode: 0o600 });
    const args = [
      '--cluster',
      member.name,
      '--kubeconfig',
      kubeconfig,
      '--webhook-port',
      String(member.webhookPort),
      '--state-dir',
      member.stateDir,
    ];
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/warden/main.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], CUBE_HEARTBEAT_INTERVAL: String(HEARTBEAT_INTERVAL_SECONDS), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const forward = (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((line) => log.push(`[warden-${member.name}] ${line}`));
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    wardens.set(member.name, child);
  };

  const stopWarden = async (name: string) => {
    const child = wardens.get(name);
    wardens.delete(name);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };

  /** kubectl as a process, with a kubeconfig file written for the call. */
  let kubeconfigs = 0;
  const kubectl = async (kubeconfig: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const file = join(dir.path, `kubectl-${(kubeconfigs += 1)}.kubeconfig`);
    await writeFile(file, kubeconfig, { mode: 0o600 });
    // Asynchronously: the test apiservers run in this process and must answer while kubectl waits.
    const child = spawn(KUBECTL, ['--kubeconfig', file, ...args], {
      env: { PATH: process.env['PATH'], HOME: dir.path, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    return { code, stdout, stderr };
  };
  /** The tenant member's kubeconfig: cluster A itself (not the gateway's proxy), their Cube access token as the bearer token. */
  const asMember = () => a.server.kubeconfigFor({ user: 'dev', token: memberToken });
  let opsKubeconfig: string;

  /** `kubectl edit` the way a cluster admin would, the editor replacing the namespace's requests.cpu. */
  const editQuotaCpu = async (namespace: string, cpu: string) => {
    const editor = join(dir.path, `edit-cpu-${cpu}.sh`);
    await writeFile(editor, `#!/bin/sh\nsed -i -E 's/^( +requests\\.cpu:).*/\\1 "${cpu}"/' "$1"\n`);
    await chmod(editor, 0o700);
    return kubectl(opsKubeconfig, ['edit', 'resourcequota', 'cube-quota', '-n', namespace], { KUBE_EDITOR: editor });
  };

  beforeAll(async () => {
    dir = await tempDir('cube-e2e-warden');
    [a, b] = await Promise.all([makeMember('member-a'), makeMember('member-b')]);
    running = await startTestStack(
      'warden',
      { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD, CUBE_HEARTBEAT_TIMEOUT: String(HEARTBEAT_TIMEOUT_SECONDS) },
      log.push,
    );
    await waitForStatus(`${running.stack.gatewayUrl}/readyz`, 200);
    adminToken = await client.token('admin', ADMIN_PASSWORD);
    // A cluster admin of A who is not Warden: the quota webhook must judge their writes.
    const { cert, key } = await a.server.issueClientCertificate('ops', ['system:masters']);
    opsKubeconfig = a.server.kubeconfigFor({ user: 'ops', cert, key });
  });

  afterAll(async () => {
    if (process.env['CUBE_E2E_LOG']) await writeFile(process.env['CUBE_E2E_LOG'], log.all().join('\n'));
    for (const name of [...wardens.keys()]) await stopWarden(name);
    await running?.stop();
    await Promise.all([a?.server.stop(), b?.server.stop()]);
    await dir?.remove();
  });

  it('registers both clusters through the gateway and turns them normal with one Warden process each', async () => {
    for (const member of [a, b]) {
      expect((await call('POST', '/api/v1/clusters', { name: member.name, kubeconfig: member.server.kubeconfig })).status).toBe(201);
      // The operator's part (README): the apiserver's TokenReview webhook trusts the CA registration
      // generated for Warden's serving certificate. The quota webhook Warden points at itself.
      const tls = await kubeGet(member.server, '/api/v1/namespaces/cube-system/secrets/cube-warden-webhook-tls');
      member.authn.caBundle = Buffer.from(String((tls.body['data'] as Json)['ca.crt']), 'base64').toString('utf8');
      const webhook = await kubeGet(
        member.server,
        '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/cube-warden-quota',
      );
      expect((webhook.body['webhooks'] as Json[])[0]).toMatchObject({
        failurePolicy: 'Fail',
        namespaceSelector: { matchExpressions: [{ key: 'cube.io/tenant', operator: 'Exists' }] },
      });
      await startWarden(member);
      // Outside the cluster, Warden serves the quota webhook by URL: it re-points the configuration at itself.
      await eventually(`${member.name}: the quota webhook by URL`, 30_000, async () => {
        const pointed = await kubeGet(
          member.server,
          '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/cube-warden-quota',
        );
        const clientConfig = (pointed.body['webhooks'] as Json[])[0]?.['clientConfig'] as Json | undefined;
        return clientConfig?.['url'] === `https://127.0.0.1:${member.webhookPort}/validate/resourcequotas` && !clientConfig['service']
          ? true
          : undefined;
      });
    }
    await reaches('member-a', 'normal', 30_000);
    await reaches('member-b', 'normal', 30_000);
  });

  // Issue #7: platform bindings are ClusterRoleBindings in every member, before any namespace exists there.
  it('lets a platform admin act natively in every cluster once bound, and a platform group view, until unbound', async () => {
    const password = 'platform admin password 2026';
    expect((await call('POST', '/api/v1/users', { name: 'carol', password })).status).toBe(201);
    const login = await client.login('carol', password);
    expect(login.status).toBe(200);
    const carol = (member: Member) => member.server.kubeconfigFor({ user: 'carol', token: String(login.body['accessToken']) });
    const refused = await kubectl(carol(b), ['get', 'namespaces']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Forbidden');

    const platformAdmin = await call('POST', '/api/v1/rolebindings', {
      subject: { kind: 'User', name: 'carol' },
      role: 'platform-admin',
      scope: { kind: 'platform' },
    });
    expect(platformAdmin.status).toBe(201);
    const auditors = await call('POST', '/api/v1/rolebindings', {
      subject: { kind: 'Group', name: 'auditors' },
      role: 'viewer',
      scope: { kind: 'platform' },
    });
    expect(auditors.status).toBe(201);
    for (const member of [a, b]) {
      const path = `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cube-${String(platformAdmin.body['id'])}`;
      const applied = await eventually(`${member.name}: carol's ClusterRoleBinding`, 30_000, async () => {
        const got = await kubeGet(member.server, path);
        return got.status === 200 ? got.body : undefined;
      });
      expect(applied).toMatchObject({
        metadata: { labels: { 'cube.io/managed-by': 'cube' } },
        roleRef: { kind: 'ClusterRole', name: 'cube:platform-admin' },
        subjects: [{ kind: 'User', name: 'carol' }],
      });
      // Carol's own Cube token, straight to the member (TokenReview through Warden), not only impersonated.
      const listed = await eventually(`${member.name}: carol lists namespaces`, 30_000, async () => {
        const run = await kubectl(carol(member), ['get', 'namespaces', '-o', 'name']);
        return run.code === 0 ? run : undefined;
      });
      expect(listed.stdout).toContain('namespace/cube-system');
      expect((await kubectl(carol(member), ['auth', 'can-i', 'create', 'deployments', '--all-namespaces'])).stdout.trim()).toBe('yes');
    }
    const viewerCan = (verb: string) =>
      kubectl(opsKubeconfig, ['auth', 'can-i', verb, 'pods', '--all-namespaces', '--as', 'erin', '--as-group', 'auditors']);
    expect(
      await eventually('member-a: the auditors group may list pods', 30_000, async () =>
        (await viewerCan('list')).stdout.trim() === 'yes' ? true : undefined,
      ),
    ).toBe(true);
    expect((await viewerCan('delete')).stdout.trim()).toBe('no');

    expect((await call('DELETE', `/api/v1/rolebindings/${String(auditors.body['id'])}`)).status).toBe(204);
    for (const member of [a, b]) {
      const path = `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cube-${String(auditors.body['id'])}`;
      await eventually(`${member.name}: the auditors' ClusterRoleBinding removed`, 30_000, async () =>
        (await kubeGet(member.server, path)).status === 404 ? true : undefined,
      );
    }
    expect((await viewerCan('list')).stdout.trim()).toBe('no');
  });

  it("makes a tenant's namespaces, their cube-quota and RoleBindings appear in each cluster", async () => {
    expect((await call('POST', '/api/v1/tenants', { name: 'acme' })).status).toBe(201);
    expect((await call('POST', '/api/v1/tenants/acme/projects', { name: 'web' })).status).toBe(201);
    for (const cluster of ['member-a', 'member-b']) {
      expect(
        (await call('PUT', `/api/v1/tenants/acme/quotas/${cluster}`, { hard: { 'requests.cpu': '4', 'requests.memory': '8Gi' } })).status,
      ).toBe(200);
    }
    expect((await call('POST', '/api/v1/users', { name: 'dev', password: MEMBER_PASSWORD })).status).toBe(201);
    const binding = await call('POST', '/api/v1/rolebindings', {
      subject: { kind: 'User', name: 'dev' },
      role: 'member',
      scope: { kind: 'tenant', tenant: 'acme' },
    });
    expect(binding.status).toBe(201);
    const namespaces: [string, string, Json][] = [
      ['member-a', 'acme-a', { 'requests.cpu': '2', 'requests.memory': '4Gi' }],
      ['member-a', 'acme-a2', { 'requests.cpu': '1' }],
      ['member-b', 'acme-b', { 'requests.cpu': '3' }],
    ];
    for (const [cluster, name, hard] of namespaces) {
      const created = await call('POST', '/api/v1/tenants/acme/projects/web/namespaces', { name, cluster, quota: { hard } });
      expect(created.status).toBe(201);
    }
    const bindingName = `cube-${String(binding.body['id'])}`;
    for (const [cluster, name, hard] of namespaces) {
      const server = cluster === 'member-a' ? a.server : b.server;
      const other = cluster === 'member-a' ? b.server : a.server;
      const quota = await eventually(`${cluster}: ResourceQuota ${name}/cube-quota`, 30_000, async () => {
        const got = await kubeGet(server, `/api/v1/namespaces/${name}/resourcequotas/cube-quota`);
        return got.status === 200 ? got.body : undefined;
      });
      expect((quota['spec'] as Json)['hard']).toEqual(hard);
      const namespace = await kubeGet(server, `/api/v1/namespaces/${name}`);
      expect(((namespace.body['metadata'] as Json)['labels'] as Json)['cube.io/tenant']).toBe('acme');
      const roleBinding = await eventually(`${cluster}: RoleBinding ${name}/${bindingName}`, 30_000, async () => {
        const got = await kubeGet(server, `/apis/rbac.authorization.k8s.io/v1/namespaces/${name}/rolebindings/${bindingName}`);
        return got.status === 200 ? got.body : undefined;
      });
      expect(roleBinding).toMatchObject({
        roleRef: { kind: 'ClusterRole', name: 'cube:member' },
        subjects: [{ kind: 'User', name: 'dev' }],
      });
      expect((await kubeGet(other, `/api/v1/namespaces/${name}`)).status).toBe(404);
    }
    expect((await kubeGet(a.server, '/apis/rbac.authorization.k8s.io/v1/clusterroles/cube:member')).status).toBe(200);
  });

  it('lets a tenant member kubectl into their namespace on cluster A with their Cube token, and refuses them elsewhere', async () => {
    const login = await client.login('dev', MEMBER_PASSWORD);
    expect(login.status).toBe(200);
    memberToken = String(login.body['accessToken']);
    const whoami = await kubectl(asMember(), ['auth', 'whoami', '-o', 'json']);
    expect(whoami.code).toBe(0);
    expect((JSON.parse(whoami.stdout) as { status: { userInfo: { username: string } } }).status.userInfo.username).toBe('dev');
    const created = await kubectl(asMember(), ['create', 'configmap', 'hello', '-n', 'acme-a', '--from-literal=greeting=hi']);
    expect(created).toMatchObject({ code: 0 });
    expect((await kubectl(asMember(), ['get', 'configmap', 'hello', '-n', 'acme-a', '-o', 'jsonpath={.data.greeting}'])).stdout).toBe('hi');
    const elsewhere = await kubectl(asMember(), ['get', 'configmaps', '-n', 'default']);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain('Forbidden');
    expect(elsewhere.stderr).toContain('User "dev" cannot list resource "configmaps"');
    const forged = await kubectl(a.server.kubeconfigFor({ user: 'dev', token: `${memberToken.slice(0, -4)}AAAA` }), [
      'get',
      'configmaps',
      '-n',
      'acme-a',
    ]);
    expect(forged.code).not.toBe(0);
    expect(forged.stderr).toContain('Unauthorized');
  });

  it("accepts the member's API token in cluster A once identity published its verifier, and not after it is revoked", async () => {
    const created = await call('POST', '/api/v1/tokens', { name: 'ci' }, memberToken);
    expect(created.status).toBe(201);
    apiToken = String(created.body['token']);
    const withToken = () => a.server.kubeconfigFor({ user: 'dev', token: apiToken });
    const listed = await eventually('the API token accepted by cluster A', 20_000, async () => {
      const result = await kubectl(withToken(), ['get', 'configmap', 'hello', '-n', 'acme-a', '-o', 'name']);
      return result.code === 0 ? result : undefined;
    });
    expect(listed.stdout.trim()).toBe('configmap/hello');
    expect((await kubectl(withToken(), ['get', 'configmaps', '-n', 'default'])).stderr).toContain('Forbidden');

    const other = await call('POST', '/api/v1/tokens', { name: 'to-revoke' }, memberToken);
    const revoked = () => a.server.kubeconfigFor({ user: 'dev', token: String(other.body['token']) });
    await eventually('the second API token accepted', 20_000, async () =>
      (await kubectl(revoked(), ['auth', 'whoami'])).code === 0 ? true : undefined,
    );
    expect((await call('DELETE', `/api/v1/tokens/${String(other.body['id'])}`, undefined, memberToken)).status).toBe(204);
    const refused = await eventually('the revoked API token refused', 20_000, async () => {
      const result = await kubectl(revoked(), ['auth', 'whoami']);
      return result.code !== 0 ? result : undefined;
    });
    expect(refused.stderr).toContain('Unauthorized');
  });

  it("denies a direct kubectl edit raising a namespace quota beyond the tenant's, with the webhook's reason", async () => {
    // Warden learns the ledger from a bucket tenancy creates with the first quota, on its own retry
    // schedule: wait until a server-side dry run (webhook called, nothing stored) is denied.
    const raise = JSON.stringify({ spec: { hard: { 'requests.cpu': '3500m' } } });
    await eventually("the ledger known to cluster A's Warden", 20_000, async () => {
      const dryRun = await kubectl(opsKubeconfig, [
        'patch',
        'resourcequota',
        'cube-quota',
        '-n',
        'acme-a',
        '--type',
        'merge',
        '-p',
        raise,
        '--dry-run=server',
      ]);
      return dryRun.code !== 0 && dryRun.stderr.includes('denied the request') ? true : undefined;
    });
    const denied = await editQuotaCpu('acme-a', '3500m');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('denied the request');
    expect(denied.stderr).toContain('requests.cpu: requested 3500m, tenant hard 4, other namespaces hold 1 (acme-a2: 1)');
    const quota = await kubeGet(a.server, '/api/v1/namespaces/acme-a/resourcequotas/cube-quota');
    expect(((quota.body['spec'] as Json)['hard'] as Json)['requests.cpu']).toBe('2');
    // Within what the tenant has free, the same edit passes: the webhook judges, it does not just refuse.
    expect(await editQuotaCpu('acme-a', '3')).toMatchObject({ code: 0 });
    expect(await editQuotaCpu('acme-a', '2')).toMatchObject({ code: 0 });
  });

  it('turns cluster A abnormal within the heartbeat timeout when its Warden dies, and normal when it is back', async () => {
    const killedAt = Date.now();
    await stopWarden('member-a');
    await reaches('member-a', 'abnormal', HEARTBEAT_TIMEOUT_SECONDS * 1000 + 5000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(HEARTBEAT_TIMEOUT_SECONDS * 1000 - HEARTBEAT_INTERVAL_SECONDS * 1000);
    expect(await statusOf('member-b')).toBe('normal');
    await startWarden(a);
    await reaches('member-a', 'normal', 30_000);
  });

  it('keeps authenticating and enforcing quota in cluster A from its cache while NATS is stopped, even across a Warden restart', async () => {
    await running.nats.stop();
    const check = async () => {
      const whoami = await eventually('TokenReview without NATS', 20_000, async () => {
        const result = await kubectl(asMember(), ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
        return result.code === 0 ? result : undefined;
      });
      expect(whoami.stdout).toBe('dev');
      expect((await kubectl(asMember(), ['get', 'configmap', 'hello', '-n', 'acme-a', '-o', 'name'])).stdout.trim()).toBe(
        'configmap/hello',
      );
      expect((await kubectl(asMember(), ['get', 'configmaps', '-n', 'default'])).stderr).toContain('Forbidden');
      const denied = await editQuotaCpu('acme-a', '10');
      expect(denied.code).not.toBe(0);
      expect(denied.stderr).toContain('requests.cpu: requested 10, tenant hard 4');
    };
    await check();
    // Someone deletes the member's RoleBinding while the control plane is away; a Warden (re)started
    // while NATS is unreachable puts it back from its disk cache and answers the webhooks from it.
    const bindings = await kubeGet(
      a.server,
      '/apis/rbac.authorization.k8s.io/v1/namespaces/acme-a/rolebindings?labelSelector=cube.io%2Frole%3Dmember',
    );
    const bindingName = String(((bindings.body['items'] as Json[])[0]?.['metadata'] as Json)['name']);
    const bindingPath = `/apis/rbac.authorization.k8s.io/v1/namespaces/acme-a/rolebindings/${bindingName}`;
    expect((await kubeCall(a.server, 'DELETE', bindingPath)).status).toBe(200);
    await stopWarden('member-a');
    const restartedAt = log.all().length;
    await startWarden(a);
    await eventually('the RoleBinding back from the cache', 20_000, async () =>
      (await kubeGet(a.server, bindingPath)).status === 200 ? true : undefined,
    );
    await check();
    expect(
      log
        .all()
        .slice(restartedAt)
        .some((line) => line.includes('[warden-member-a]') && line.includes('NATS is not reachable')),
    ).toBe(true);
    const withApiToken = await kubectl(a.server.kubeconfigFor({ user: 'dev', token: apiToken }), [
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    ]);
    expect(withApiToken).toMatchObject({ code: 0, stdout: 'dev' });

    await running.nats.restart();
    await reaches('member-a', 'normal', 60_000);
    // The next test writes through the gateway: wait until the control plane has its NATS back too.
    await waitForStatus(`${running.stack.gatewayUrl}/readyz`, 200, 600);
  });

  it("stops accepting a disabled user's access and API tokens in cluster A", async () => {
    expect((await call('PATCH', '/api/v1/users/dev', { state: 'disabled' })).status).toBe(200);
    for (const token of [memberToken, apiToken]) {
      const refused = await eventually("a disabled user's token refused", 30_000, async () => {
        const result = await kubectl(a.server.kubeconfigFor({ user: 'dev', token }), ['auth', 'whoami']);
        return result.code !== 0 ? result : undefined;
      });
      expect(refused.stderr).toContain('Unauthorized');
    }
    // Tokens went through Warden's webhooks and the bus, never into a log line.
    const logged = log.all().join('\n');
    expect(logged).not.toContain(memberToken);
    expect(logged).not.toContain(apiToken);
  });
});
