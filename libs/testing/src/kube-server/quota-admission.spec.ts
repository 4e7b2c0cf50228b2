// ResourceQuota admission through @kubernetes/client-node and the real kubectl.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, CoreV1Api, KubeConfig, V1Pod } from '@kubernetes/client-node';
import { KubeServer, startKubeServer } from './server';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    return {
      code: e.code,
      body: JSON.parse(String(e.body)) as Record<string, unknown>,
    };
  }
  throw new Error('expected the request to fail');
}

function pod(name: string, resources?: Record<string, Record<string, string>>): V1Pod {
  return {
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'nginx', resources }] },
  };
}

describe('ResourceQuota admission', () => {
  let server: KubeServer;
  let core: CoreV1Api;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quota-spec-'));
    server = await startKubeServer({
      name: 'quota-spec',
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
  });

  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A namespace with one quota whose status the controller has computed. */
  async function quotaNamespace(ns: string, hard: Record<string, string>) {
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedResourceQuota({
      namespace: ns,
      body: { metadata: { name: 'q' }, spec: { hard } },
    });
    await server.settled();
  }

  const used = async (ns: string) => (await core.readNamespacedResourceQuota({ name: 'q', namespace: ns })).status?.used;

  it('refuses a pod that would exceed the quota, through kubectl and client-node', async () => {
    await quotaNamespace('compute', {
      pods: '2',
      'requests.cpu': '1',
      'requests.memory': '1Gi',
    });
    await core.createNamespacedPod({
      namespace: 'compute',
      body: pod('p1', { requests: { cpu: '500m', memory: '256Mi' } }),
    });
    // Charged by admission, before the quota controller has seen the pod.
    expect(await used('compute')).toEqual({
      pods: '1',
      'requests.cpu': '500m',
      'requests.memory': '256Mi',
    });
    const file = join(dir, 'p2.json');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        ...pod('p2', { requests: { cpu: '800m', memory: '1Gi' } }),
      }),
    );
    const stderr = await new Promise<string>((resolve, reject) =>
      execFile(
        KUBECTL,
        ['--kubeconfig', join(dir, 'kubeconfig'), 'create', '-n', 'compute', '-f', file],
        { timeout: 30_000 },
        (err, _out, errOut) => (err ? resolve(errOut) : reject(new Error('kubectl succeeded'))),
      ),
    );
    expect(stderr.trim()).toBe(
      `Error from server (Forbidden): error when creating "${file}": pods "p2" is forbidden: exceeded quota: q, requested: requests.cpu=800m,requests.memory=1Gi, used: requests.cpu=500m,requests.memory=256Mi, limited: requests.cpu=1,requests.memory=1Gi`,
    );
    const refused = await failure(
      core.createNamespacedPod({
        namespace: 'compute',
        body: pod('p3', { requests: { cpu: '600m', memory: '1Mi' } }),
      }),
    );
    expect(refused).toEqual({
      code: 403,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'pods "p3" is forbidden: exceeded quota: q, requested: requests.cpu=600m, used: requests.cpu=500m, limited: requests.cpu=1',
        reason: 'Forbidden',
        details: { name: 'p3', kind: 'pods' },
        code: 403,
      },
    });
    await server.settled();
    expect(await used('compute')).toEqual({
      pods: '1',
      'requests.cpu': '500m',
      'requests.memory': '256Mi',
    });
  });

  it('refuses a pod without the requests and limits a quota constrains', async () => {
    await quotaNamespace('must-specify', {
      cpu: '2',
      'limits.memory': '1Gi',
    });
    const refused = await failure(
      core.createNamespacedPod({
        namespace: 'must-specify',
        body: pod('bare'),
      }),
    );
    expect(refused.code).toBe(403);
    expect(refused.body.message).toBe(
      'pods "bare" is forbidden: failed quota: q: must specify cpu for: c; must specify limits.memory for: c',
    );
    // Limits alone also request (pod defaulting copies limits into requests).
    await core.createNamespacedPod({
      namespace: 'must-specify',
      body: pod('limited', { limits: { cpu: '1', memory: '512Mi' } }),
    });
    expect(await used('must-specify')).toEqual({
      cpu: '1',
      'limits.memory': '512Mi',
    });
  });

  it('counts objects with count/<resource> and legacy names', async () => {
    await quotaNamespace('counts', {
      'count/configmaps': '2',
      secrets: '1',
    });
    // The namespace already holds kube-root-ca.crt.
    expect(await used('counts')).toEqual({
      'count/configmaps': '1',
      secrets: '0',
    });
    await core.createNamespacedConfigMap({
      namespace: 'counts',
      body: { metadata: { name: 'c1' } },
    });
    const refused = await failure(
      core.createNamespacedConfigMap({
        namespace: 'counts',
        body: { metadata: { name: 'c2' } },
      }),
    );
    expect(refused.body.message).toBe(
      'configmaps "c2" is forbidden: exceeded quota: q, requested: count/configmaps=1, used: count/configmaps=2, limited: count/configmaps=2',
    );
    await core.createNamespacedSecret({
      namespace: 'counts',
      body: { metadata: { name: 's1' } },
    });
    const secret = await failure(
      core.createNamespacedSecret({
        namespace: 'counts',
        body: { metadata: { name: 's2' } },
      }),
    );
    expect(secret.body.message).toBe(
      'secrets "s2" is forbidden: exceeded quota: q, requested: secrets=1, used: secrets=1, limited: secrets=1',
    );
  });

  it('does not charge a dry run', async () => {
    await quotaNamespace('dry', { 'count/configmaps': '5' });
    const before = await core.readNamespacedResourceQuota({
      name: 'q',
      namespace: 'dry',
    });
    await core.createNamespacedConfigMap({
      namespace: 'dry',
      body: { metadata: { name: 'ghost' } },
      dryRun: 'All',
    });
    const after = await core.readNamespacedResourceQuota({
      name: 'q',
      namespace: 'dry',
    });
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(after.status?.used).toEqual({ 'count/configmaps': '1' });
  });

  it('applies a scoped quota only to the pods it selects', async () => {
    await core.createNamespace({ body: { metadata: { name: 'scoped' } } });
    await core.createNamespacedResourceQuota({
      namespace: 'scoped',
      body: {
        metadata: { name: 'q' },
        spec: { hard: { pods: '1' }, scopes: ['BestEffort'] },
      },
    });
    await server.settled();
    await core.createNamespacedPod({ namespace: 'scoped', body: pod('be1') });
    await core.createNamespacedPod({
      namespace: 'scoped',
      body: pod('burstable', { requests: { cpu: '100m' } }),
    });
    const refused = await failure(core.createNamespacedPod({ namespace: 'scoped', body: pod('be2') }));
    expect(refused.body.message).toBe('pods "be2" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1');
  });
});
