import { ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, JSONCodec } from 'nats';
import { freePort } from '@cube/dev-stack';
import { KubeServer, startKubeServer } from '@cube/testing';
import { eventually, gatewayClient, Json, LineLog, ROOT, startTestStack, tempDir, TestStack, waitForStatus } from './support';

const ADMIN_PASSWORD = 'e2e-hotplug-secret-2026';
const KUBECTL = '/usr/bin/kubectl';
const DEADLINE_MS = 60_000;

interface Member {
  name: string;
  server: KubeServer;
  kubeconfig: string;
}

// Issue #16, Done when: optional components switched per cluster through the gateway, delivered by
// each cluster's Warden from its desired state, checked in the clusters with real kubectl, with
// phases driven by what the clusters report.
describe('Optional components (hotplug) in two member clusters', () => {
  const log = new LineLog();
  let running: TestStack;
  let adminToken: string;
  let dir: { path: string; remove(): Promise<void> };
  let a: Member;
  let b: Member;
  const wardens: ChildProcess[] = [];

  const client = gatewayClient(() => running.stack.gatewayUrl);
  const call = (method: string, path: string, body?: unknown, token = adminToken) => client.call(method, path, { token, body });

  /** kubectl as a process against a member directly, as its cluster admin. */
  const kubectl = async (member: Member, args: string[]) => {
    const child = spawn(KUBECTL, ['--kubeconfig', member.kubeconfig, ...args], {
      env: { PATH: process.env['PATH'], HOME: dir.path },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    return { code, stdout, stderr };
  };
  const getJson = async (member: Member, args: string[]): Promise<Json | null> => {
    const run = await kubectl(member, ['get', ...args, '-o', 'json']);
    if (run.code !== 0) {
      if (run.stderr.includes('NotFound')) return null;
      throw new Error(`kubectl get ${args.join(' ')}: ${run.stderr}`);
    }
    return JSON.parse(run.stdout) as Json;
  };
  /** Names of the objects of a component in a member, by its label, across the kinds it renders. */
  const componentObjects = async (member: Member, component: string) => {
    const run = await kubectl(member, [
      'get',
      'namespaces,serviceaccounts,configmaps,services,deployments,daemonsets,clusterroles,clusterrolebindings',
      '-A',
      '-l',
      `cube.io/component=${component}`,
      '-o',
      'name',
    ]);
    if (run.code !== 0) throw new Error(run.stderr);
    return run.stdout.split('\n').filter(Boolean).sort();
  };
  const prometheusArgs = async (member: Member) => {
    const deployment = await getJson(member, ['deployment', 'prometheus', '-n', 'cube-monitoring']);
    const spec = deployment?.['spec'] as { template: { spec: { containers: { args: string[] }[] } } } | undefined;
    return spec?.template.spec.containers[0]?.args ?? null;
  };
  const componentIn = async (cluster: string, component: string, token = adminToken) => {
    const listed = await call('GET', `/api/v1/clusters/${cluster}/hotplug`, undefined, token);
    expect(listed.status).toBe(200);
    return (listed.body['items'] as Json[]).find((item) => item['name'] === component) ?? null;
  };
  const phaseReaches = (cluster: string, component: string, phases: string[]) =>
    eventually(`${component} in ${cluster}: ${phases.join('|')}`, DEADLINE_MS, async () => {
      const item = await componentIn(cluster, component);
      return item && phases.includes(String(item['phase'])) ? item : undefined;
    });

  const startWarden = async (member: Member) => {
    const webhookPort = await freePort();
    const args = [
      '--cluster',
      member.name,
      '--kubeconfig',
      member.kubeconfig,
      '--webhook-port',
      String(webhookPort),
      '--state-dir',
      join(dir.path, `${member.name}-state`),
    ];
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/warden/main.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], CUBE_HEARTBEAT_INTERVAL: '0.5', LOG_LEVEL: 'info' },
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
    wardens.push(child);
  };

  const makeMember = async (name: string): Promise<Member> => {
    const server = await startKubeServer({ name });
    const kubeconfig = join(dir.path, `${name}.kubeconfig`);
    await writeFile(kubeconfig, server.kubeconfig, { mode: 0o600 });
    return { name, server, kubeconfig };
  };

  beforeAll(async () => {
    dir = await tempDir('cube-e2e-hotplug');
    [a, b] = await Promise.all([makeMember('hp-a'), makeMember('hp-b')]);
    running = await startTestStack('hotplug', { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD }, log.push);
    await waitForStatus(`${running.stack.gatewayUrl}/readyz`, 200);
    adminToken = await client.token('admin', ADMIN_PASSWORD);
    for (const member of [a, b]) {
      expect((await call('POST', '/api/v1/clusters', { name: member.name, kubeconfig: member.server.kubeconfig })).status).toBe(201);
      await startWarden(member);
    }
    for (const member of [a, b]) {
      await eventually(`${member.name} normal`, DEADLINE_MS, async () =>
        (await call('GET', `/api/v1/clusters/${member.name}`)).body['status'] === 'normal' ? true : undefined,
      );
    }
  });

  afterAll(async () => {
    if (process.env['CUBE_E2E_LOG']) await writeFile(process.env['CUBE_E2E_LOG'], log.all().join('\n'));
    for (const child of wardens) {
      if (child.exitCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await running?.stop();
    await Promise.all([a?.server.stop(), b?.server.stop()]);
    await dir?.remove();
  });

  it('enables monitoring by default and disables it for B: its objects run in A, none exist in B', async () => {
    const catalog = await call('GET', '/api/v1/hotplug/components');
    expect((catalog.body['items'] as Json[]).map((item) => item['name'])).toEqual(
      expect.arrayContaining(['alerting', 'logging', 'metrics-server', 'monitoring']),
    );
    expect((await call('PUT', `/api/v1/clusters/${b.name}/hotplug/monitoring`, { enabled: false })).status).toBe(200);
    const defaults = await call('PUT', '/api/v1/hotplug/components/monitoring/defaults', { enabled: true, values: {} });
    expect(defaults.status).toBe(200);

    const inA = await phaseReaches(a.name, 'monitoring', ['running']);
    expect(inA).toMatchObject({ enabled: true, source: 'default', observedGeneration: inA['generation'] });
    const config = await getJson(a, ['configmap', 'prometheus-config', '-n', 'cube-monitoring']);
    expect(String((config?.['data'] as Json)['prometheus.yml'])).toContain(`cluster: ${a.name}`);
    expect(await prometheusArgs(a)).toContain('--storage.tsdb.retention.time=15d');
    expect((await getJson(a, ['daemonset', 'node-exporter', '-n', 'cube-monitoring']))?.['status']).toMatchObject({ numberReady: 1 });

    // Published on CUBE_EVENTS: the defaults change and A's phase turning running.
    const nats = await connect({ servers: running.natsUrl });
    try {
      const jsm = await nats.jetstreamManager();
      const last = async (event: string) =>
        JSONCodec<Json>().decode(
          (await jsm.streams.getMessage('CUBE_EVENTS', { last_by_subj: `cube.events.hotplug.component.${event}` })).data,
        );
      expect(await last('defaults-changed')).toMatchObject({
        type: 'hotplug.component.defaults-changed',
        entity: { kind: 'HotplugComponent', name: 'monitoring' },
        data: { enabled: true },
      });
      const phase = await eventually('phase-changed event', DEADLINE_MS, async () => {
        const event = await last('phase-changed');
        return (event['data'] as Json)['to'] === 'running' ? event : undefined;
      });
      expect(phase['entity']).toMatchObject({ name: 'monitoring', cluster: a.name });
    } finally {
      await nats.close();
    }
    expect(await componentIn(b.name, 'monitoring')).toMatchObject({ enabled: false, phase: 'disabled', source: 'override' });
    expect(await componentObjects(b, 'monitoring')).toEqual([]);
    expect(await getJson(b, ['namespace', 'cube-monitoring'])).toBeNull();
  });

  it("changes only A's Prometheus when A overrides its retention, B keeping its own objects untouched", async () => {
    // B back to the defaults: monitoring runs there too.
    expect((await call('DELETE', `/api/v1/clusters/${b.name}/hotplug/monitoring`)).status).toBe(200);
    await phaseReaches(b.name, 'monitoring', ['running']);
    const before = (await getJson(b, ['deployment', 'prometheus', '-n', 'cube-monitoring']))?.['metadata'] as Json;

    const override = await call('PUT', `/api/v1/clusters/${a.name}/hotplug/monitoring`, { values: { prometheus: { retention: '30d' } } });
    expect(override.status).toBe(200);
    expect(override.body).toMatchObject({ source: 'override', values: { prometheus: { retention: '30d', replicas: 1 } } });
    await eventually('retention 30d in A', DEADLINE_MS, async () =>
      (await prometheusArgs(a))?.includes('--storage.tsdb.retention.time=30d') ? true : undefined,
    );
    await phaseReaches(a.name, 'monitoring', ['running']);

    const after = (await getJson(b, ['deployment', 'prometheus', '-n', 'cube-monitoring']))?.['metadata'] as Json;
    expect(after['resourceVersion']).toBe(before['resourceVersion']);
    expect(await prometheusArgs(b)).toContain('--storage.tsdb.retention.time=15d');
  });

  it('removes every object of monitoring from A when disabled there, and brings them back when re-enabled', async () => {
    const objects = await componentObjects(a, 'monitoring');
    expect(objects).toEqual(
      expect.arrayContaining([
        'deployment.apps/prometheus',
        'daemonset.apps/node-exporter',
        'deployment.apps/kube-state-metrics',
        'namespace/cube-monitoring',
      ]),
    );
    expect(
      (await call('PUT', `/api/v1/clusters/${a.name}/hotplug/monitoring`, { enabled: false, values: { prometheus: { retention: '30d' } } }))
        .status,
    ).toBe(200);
    await eventually('monitoring gone from A', DEADLINE_MS, async () =>
      (await componentObjects(a, 'monitoring')).length === 0 ? true : undefined,
    );
    expect(await componentIn(a.name, 'monitoring')).toMatchObject({ phase: 'disabled' });

    expect(
      (await call('PUT', `/api/v1/clusters/${a.name}/hotplug/monitoring`, { enabled: true, values: { prometheus: { retention: '30d' } } }))
        .status,
    ).toBe(200);
    await eventually('monitoring back in A', DEADLINE_MS, async () =>
      (await componentObjects(a, 'monitoring')).length === objects.length ? true : undefined,
    );
    await phaseReaches(a.name, 'monitoring', ['running']);
  });

  // Every version of the bundle keeps its Namespace: a Namespace that leaves the bundle is deleted, and everything in it.
  const bundle = (objects: string[]) => ['apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-kit', ...objects].join('\n---\n');
  const settings = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-settings\ndata:\n  cluster: "{{cluster}}"\n  greeting: hello';
  const account = 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: team-agent';
  const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: team-web\nspec:\n  ports:\n  - port: 80\n    targetPort: 8080';

  it('delivers a custom bundle of three objects (and its namespace) to both clusters with the cluster name substituted, and prunes an object removed from it', async () => {
    const created = await call('POST', '/api/v1/hotplug/components', {
      name: 'team-kit',
      namespace: 'team-kit',
      bundle: bundle([settings, account, service]),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'team-kit', kind: 'custom', namespace: 'team-kit' });
    expect((await call('PUT', '/api/v1/hotplug/components/team-kit/defaults', { enabled: true, values: {} })).status).toBe(200);
    for (const member of [a, b]) {
      const configMap = await eventually(
        `${member.name}: team-settings`,
        DEADLINE_MS,
        async () => (await getJson(member, ['configmap', 'team-settings', '-n', 'team-kit'])) ?? undefined,
      );
      expect(configMap['data']).toEqual({ cluster: member.name, greeting: 'hello' });
      expect(await getJson(member, ['service', 'team-web', '-n', 'team-kit'])).not.toBeNull();
      await phaseReaches(member.name, 'team-kit', ['running']);
    }

    expect(
      (await call('PUT', '/api/v1/hotplug/components/team-kit', { namespace: 'team-kit', bundle: bundle([settings, account]) })).status,
    ).toBe(200);
    for (const member of [a, b]) {
      await eventually(`${member.name}: team-web pruned`, DEADLINE_MS, async () =>
        (await getJson(member, ['service', 'team-web', '-n', 'team-kit'])) === null ? true : undefined,
      );
      expect(await getJson(member, ['serviceaccount', 'team-agent', '-n', 'team-kit'])).not.toBeNull();
    }
    expect((await call('DELETE', '/api/v1/hotplug/components/team-kit')).status).toBe(409);
  });

  it("reports a Deployment that is not ready as applying, a refused object as failed in the API server's words, and running once the config is fixed", async () => {
    const image = { prometheus: { retention: '30d', image: 'registry.invalid/prometheus:v2' } };
    expect((await call('PUT', `/api/v1/clusters/${a.name}/hotplug/monitoring`, { enabled: true, values: image })).status).toBe(200);
    // Objects are applied first ("n of 14 objects applied"), then the new Prometheus pod never becomes ready.
    const unready = await eventually('prometheus reported not ready', DEADLINE_MS, async () => {
      const item = await componentIn(a.name, 'monitoring');
      return item &&
        ['applying', 'degraded'].includes(String(item['phase'])) &&
        String(item['message']).includes('Deployment cube-monitoring/prometheus: 0/1 ready')
        ? item
        : undefined;
    });
    expect(unready['observedGeneration']).toBe(unready['generation']);
    expect(
      (await call('PUT', `/api/v1/clusters/${a.name}/hotplug/monitoring`, { enabled: true, values: { prometheus: { retention: '30d' } } }))
        .status,
    ).toBe(200);
    await phaseReaches(a.name, 'monitoring', ['running']);

    const broken =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: team-api\nspec:\n  replicas: -1\n  selector:\n    matchLabels: { app: team-api }\n  template:\n    metadata:\n      labels: { app: team-api }\n    spec:\n      containers:\n      - name: api\n        image: team/api:1';
    expect(
      (await call('PUT', '/api/v1/hotplug/components/team-kit', { namespace: 'team-kit', bundle: bundle([settings, broken]) })).status,
    ).toBe(200);
    const failed = await phaseReaches(a.name, 'team-kit', ['failed']);
    expect(String(failed['message'])).toContain(
      'Deployment.apps "team-api" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
    // Warden keeps retrying; fixing the bundle is all it takes.
    expect(
      (
        await call('PUT', '/api/v1/hotplug/components/team-kit', {
          namespace: 'team-kit',
          bundle: bundle([settings, broken.replace('replicas: -1', 'replicas: 1')]),
        })
      ).status,
    ).toBe(200);
    for (const member of [a, b]) await phaseReaches(member.name, 'team-kit', ['running']);
  });

  it('refuses bad input with a 4xx naming the reason, and writes nothing', async () => {
    const badValues = await call('PUT', `/api/v1/clusters/${a.name}/hotplug/monitoring`, {
      values: { prometheus: { retention: 'forever' } },
    });
    expect(badValues.status).toBe(422);
    expect((badValues.body['details'] as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual(['/prometheus/retention']);
    expect(await componentIn(a.name, 'monitoring')).toMatchObject({ values: { prometheus: { retention: '30d' } } });
    const badDefaults = await call('PUT', '/api/v1/hotplug/components/monitoring/defaults', {
      enabled: true,
      values: { prometheus: { replicas: 0 } },
    });
    expect(badDefaults.status).toBe(422);
    expect((await call('GET', '/api/v1/hotplug/components/monitoring/defaults')).body).toMatchObject({ enabled: true, values: {} });

    const badYaml = await call('POST', '/api/v1/hotplug/components', {
      name: 'broken-yaml',
      namespace: 'x',
      bundle: `${settings}\n---\nkind: [unclosed\n`,
    });
    expect(badYaml.status).toBe(422);
    expect((badYaml.body['details'] as { fields: { field: string }[] }).fields[0]?.field).toBe('bundle[1]');
    const noName = await call('POST', '/api/v1/hotplug/components', {
      name: 'no-name',
      namespace: 'x',
      bundle: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}',
    });
    expect((noName.body['details'] as { fields: { field: string }[] }).fields[0]?.field).toBe('bundle[0].metadata.name');
    const clusterScoped = await call('POST', '/api/v1/hotplug/components', {
      name: 'too-wide',
      namespace: 'x',
      bundle: 'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\nprovisioner: x',
    });
    expect(clusterScoped.status).toBe(422);
    const oversized = await call('POST', '/api/v1/hotplug/components', {
      name: 'too-big',
      namespace: 'x',
      bundle: `${settings}\n#${'x'.repeat(2 * 1024 * 1024 + 1)}`,
    });
    expect(oversized.status).toBe(422);
    expect((oversized.body['details'] as { fields: { field: string }[] }).fields[0]?.field).toBe('bundle');
    for (const name of ['broken-yaml', 'no-name', 'too-wide', 'too-big'])
      expect((await call('GET', `/api/v1/hotplug/components/${name}`)).status).toBe(404);

    expect((await call('PUT', `/api/v1/clusters/${a.name}/hotplug/no-such-component`, { enabled: true })).status).toBe(404);
    expect((await call('PUT', '/api/v1/clusters/no-such-cluster/hotplug/monitoring', { enabled: true })).status).toBe(404);
    expect((await call('GET', '/api/v1/clusters/no-such-cluster/hotplug')).status).toBe(404);
  });

  it('lets a tenant admin see component names and phases only, and answers 404 to their writes', async () => {
    expect((await call('POST', '/api/v1/tenants', { name: 'acme' })).status).toBe(201);
    const password = 'tenant admin password 2026';
    expect((await call('POST', '/api/v1/users', { name: 'tara', password })).status).toBe(201);
    expect(
      (
        await call('POST', '/api/v1/rolebindings', {
          subject: { kind: 'User', name: 'tara' },
          role: 'tenant-admin',
          scope: { kind: 'tenant', tenant: 'acme' },
        })
      ).status,
    ).toBe(201);
    const token = String((await call('POST', '/api/v1/auth/login', { username: 'tara', password })).body['accessToken']);

    await phaseReaches(a.name, 'monitoring', ['running']);
    const seen = await eventually('tenant admin reads phases', DEADLINE_MS, async () => {
      const listed = await call('GET', `/api/v1/clusters/${a.name}/hotplug`, undefined, token);
      return listed.status === 200 ? (listed.body['items'] as Json[]) : undefined;
    });
    expect(seen.find((item) => item['name'] === 'monitoring')).toEqual({ name: 'monitoring', phase: 'running' });
    for (const item of seen) expect(Object.keys(item).sort()).toEqual(['name', 'phase']);
    expect((await call('GET', '/api/v1/hotplug/components', undefined, token)).body['items']).toEqual(
      expect.arrayContaining([{ name: 'monitoring' }]),
    );

    expect((await call('PUT', `/api/v1/clusters/${a.name}/hotplug/monitoring`, { enabled: false }, token)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/clusters/${a.name}/hotplug/monitoring`, undefined, token)).status).toBe(404);
    expect((await call('PUT', '/api/v1/hotplug/components/monitoring/defaults', { enabled: false, values: {} }, token)).status).toBe(404);
    expect((await call('POST', '/api/v1/hotplug/components', { name: 'sneaky', namespace: 'x', bundle: settings }, token)).status).toBe(
      404,
    );
    expect((await call('DELETE', '/api/v1/hotplug/components/team-kit', undefined, token)).status).toBe(404);
    expect(await componentIn(a.name, 'monitoring')).toMatchObject({ enabled: true, phase: 'running' });
  });
});
