// Admission webhooks end to end: configurations created through the API, webhook servers on
// loopback with their own CA, requests made with @kubernetes/client-node and the real kubectl.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdmissionregistrationV1Api,
  ApiException,
  CoreV1Api,
  KubeConfig,
  V1MutatingWebhook,
  V1ValidatingWebhook,
} from '@kubernetes/client-node';
import { KubeServer, startKubeServer } from './server';
import { AdmissionRequest, makeCertificateAuthority, startWebhookServer, TestWebhookServer } from './testing/webhook-server';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

function statusOf(e: unknown): { code: number; body: Record<string, unknown> } {
  if (!(e instanceof ApiException)) throw e;
  return {
    code: e.code,
    body: typeof e.body === 'string' ? (JSON.parse(e.body) as Record<string, unknown>) : (e.body as Record<string, unknown>),
  };
}

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    return statusOf(e);
  }
  throw new Error('expected the request to fail');
}

/** A non-loopback IPv4 address of this machine: what Endpoints may point at. */
function podAddress(): string {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  if (!address) throw new Error('this machine has no non-loopback IPv4 address to serve the webhook on');
  return address;
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('admission webhooks', () => {
  let server: KubeServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let admission: AdmissionregistrationV1Api;
  let dir: string;
  const hooks: TestWebhookServer[] = [];
  const configs: { kind: 'mutating' | 'validating'; name: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'webhooks-spec-'));
    server = await startKubeServer({
      name: 'webhooks-spec',
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    admission = kc.makeApiClient(AdmissionregistrationV1Api);
  });

  afterEach(async () => {
    for (const c of configs.splice(0))
      if (c.kind === 'mutating') await admission.deleteMutatingWebhookConfiguration({ name: c.name });
      else await admission.deleteValidatingWebhookConfiguration({ name: c.name });
  });

  afterAll(async () => {
    await Promise.all(hooks.map((h) => h.stop()));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A namespace of its own per test, which the test's webhooks select. */
  async function namespace(name: string): Promise<string> {
    await core.createNamespace({
      body: { metadata: { name, labels: { 'hook-test': name } } },
    });
    await server.settled();
    return name;
  }

  async function webhookServer(...args: Parameters<typeof startWebhookServer>): Promise<TestWebhookServer> {
    const h = await startWebhookServer(...args);
    hooks.push(h);
    return h;
  }

  function validating(ns: string, hook: Partial<V1ValidatingWebhook> & { name: string }): V1ValidatingWebhook {
    return {
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      namespaceSelector: { matchLabels: { 'hook-test': ns } },
      rules: [
        {
          operations: ['CREATE', 'UPDATE'],
          apiGroups: [''],
          apiVersions: ['v1'],
          resources: ['configmaps'],
        },
      ],
      clientConfig: {},
      ...hook,
    };
  }

  async function addValidating(name: string, ...webhooks: V1ValidatingWebhook[]) {
    await admission.createValidatingWebhookConfiguration({
      body: { metadata: { name }, webhooks },
    });
    configs.push({ kind: 'validating', name });
  }

  async function addMutating(name: string, ...webhooks: V1MutatingWebhook[]) {
    await admission.createMutatingWebhookConfiguration({
      body: { metadata: { name }, webhooks },
    });
    configs.push({ kind: 'mutating', name });
  }

  const denyAll = () =>
    webhookServer(() => ({
      allowed: false,
      status: { code: 403, message: 'configmaps are frozen here' },
    }));

  it('refuses a request a validating webhook denies, with its message, through kubectl', async () => {
    const ns = await namespace('deny');
    const hook = await denyAll();
    await addValidating(
      'deny',
      validating(ns, {
        name: 'deny.cube.io',
        clientConfig: { url: `${hook.url}/validate`, caBundle: hook.caBundle },
      }),
    );
    const stderr = await new Promise<string>((resolve, reject) =>
      execFile(
        KUBECTL,
        ['--kubeconfig', join(dir, 'kubeconfig'), 'create', 'configmap', 'x', '-n', ns],
        { timeout: 30_000 },
        (err, _out, errOut) => (err ? resolve(errOut) : reject(new Error('kubectl succeeded'))),
      ),
    );
    expect(stderr.trim()).toBe(
      'error: failed to create configmap: admission webhook "deny.cube.io" denied the request: configmaps are frozen here',
    );
    const denied = await failure(
      core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'y' } },
      }),
    );
    expect(denied).toEqual({
      code: 403,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'admission webhook "deny.cube.io" denied the request: configmaps are frozen here',
        code: 403,
      },
    });
    expect(hook.requests.map((r) => r.path)).toEqual(['/validate', '/validate']);
  });

  it('fails closed with 500 when a Fail webhook is down and lets the request through when it is Ignore', async () => {
    const ns = await namespace('down');
    const port = await closedPort();
    const down = (name: string, failurePolicy: string) =>
      validating(ns, {
        name,
        failurePolicy,
        clientConfig: { url: `https://127.0.0.1:${port}/validate` },
      });
    await addValidating('down-fail', down('down.cube.io', 'Fail'));
    const failed = await failure(
      core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'a' } },
      }),
    );
    const reason = `failed calling webhook "down.cube.io": failed to call webhook: Post "https://127.0.0.1:${port}/validate?timeout=10s": dial tcp 127.0.0.1:${port}: connect: connection refused`;
    expect(failed).toEqual({
      code: 500,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `Internal error occurred: ${reason}`,
        reason: 'InternalError',
        details: { causes: [{ message: reason }] },
        code: 500,
      },
    });
    await admission.deleteValidatingWebhookConfiguration({ name: 'down-fail' });
    configs.splice(0);
    await addValidating('down-ignore', down('down.cube.io', 'Ignore'));
    const created = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'a' } },
    });
    expect(created.metadata?.name).toBe('a');
  });

  it('applies the JSON patch of a mutating webhook and sends it a complete AdmissionReview', async () => {
    const ns = await namespace('mutate');
    const hook = await webhookServer(() => ({
      allowed: true,
      patch: [{ op: 'add', path: '/metadata/labels', value: { stamped: 'yes' } }],
      warnings: ['labels stamped by cube'],
    }));
    await addMutating('stamp', {
      name: 'stamp.cube.io',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      namespaceSelector: { matchLabels: { 'hook-test': ns } },
      rules: [
        {
          operations: ['CREATE'],
          apiGroups: [''],
          apiVersions: ['v1'],
          resources: ['configmaps'],
          scope: 'Namespaced',
        },
      ],
      clientConfig: { url: `${hook.url}/mutate`, caBundle: hook.caBundle },
    });
    const created = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'm' }, data: { k: 'v' } },
    });
    expect(created.metadata?.labels).toEqual({ stamped: 'yes' });
    // Fields a mutating webhook adds are not attributed to the requester (create.go runs the field manager first).
    expect(JSON.stringify(created.metadata?.managedFields)).not.toContain('stamped');
    const stored = await core.readNamespacedConfigMap({
      name: 'm',
      namespace: ns,
    });
    expect(stored.metadata?.labels).toEqual({ stamped: 'yes' });
    const [{ request }] = hook.requests;
    expect(request).toMatchObject({
      kind: { group: '', version: 'v1', kind: 'ConfigMap' },
      resource: { group: '', version: 'v1', resource: 'configmaps' },
      requestKind: { group: '', version: 'v1', kind: 'ConfigMap' },
      requestResource: { group: '', version: 'v1', resource: 'configmaps' },
      name: 'm',
      namespace: ns,
      operation: 'CREATE',
      userInfo: {
        username: 'kubernetes-admin',
        groups: ['system:masters', 'system:authenticated'],
      },
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'm', namespace: ns },
        data: { k: 'v' },
      },
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    });
    expect(request.uid).toMatch(/^[0-9a-f-]{36}$/);
    const stderr = await new Promise<string>((resolve, reject) =>
      execFile(
        KUBECTL,
        ['--kubeconfig', join(dir, 'kubeconfig'), 'create', 'configmap', 'm2', '-n', ns],
        { timeout: 30_000 },
        (err, _out, errOut) => (err ? reject(err) : resolve(errOut)),
      ),
    );
    expect(stderr.trim()).toBe('Warning: labels stamped by cube');
  });

  it('sends oldObject on UPDATE and dryRun, and refuses a dry run to a webhook with side effects', async () => {
    const ns = await namespace('review');
    const seen: AdmissionRequest[] = [];
    const hook = await webhookServer((r) => {
      seen.push(r);
      return { allowed: true };
    });
    await addValidating(
      'review',
      validating(ns, {
        name: 'review.cube.io',
        clientConfig: { url: `${hook.url}/validate`, caBundle: hook.caBundle },
      }),
    );
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'r' }, data: { v: '1' } },
    });
    await core.patchNamespacedConfigMap({
      name: 'r',
      namespace: ns,
      body: [{ op: 'replace', path: '/data/v', value: '2' }],
      dryRun: 'All',
    });
    const update = seen[1];
    expect(update).toMatchObject({
      operation: 'UPDATE',
      name: 'r',
      dryRun: true,
      object: { data: { v: '2' } },
      oldObject: { data: { v: '1' }, metadata: { name: 'r' } },
      options: { kind: 'UpdateOptions', dryRun: ['All'] },
    });
    expect((await core.readNamespacedConfigMap({ name: 'r', namespace: ns })).data).toEqual({ v: '1' });

    await addValidating(
      'side-effects',
      validating(ns, {
        name: 'side-effects.cube.io',
        sideEffects: 'Some',
        clientConfig: { url: `${hook.url}/validate`, caBundle: hook.caBundle },
      }),
    );
    const refused = await failure(
      core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'dry' } },
        dryRun: 'All',
      }),
    );
    expect(refused).toMatchObject({
      code: 400,
      body: {
        reason: 'BadRequest',
        message: 'admission webhook "side-effects.cube.io" does not support dry run',
      },
    });
  });

  it('matches subresources and DELETE: pods/status writes and deletes reach the webhook', async () => {
    const ns = await namespace('subresources');
    const hook = await webhookServer(() => ({ allowed: true }));
    await addValidating(
      'subresources',
      validating(ns, {
        name: 'subresources.cube.io',
        rules: [
          {
            operations: ['UPDATE'],
            apiGroups: [''],
            apiVersions: ['v1'],
            resources: ['pods/status'],
          },
          {
            operations: ['DELETE'],
            apiGroups: ['*'],
            apiVersions: ['*'],
            resources: ['*'],
          },
        ],
        clientConfig: { url: `${hook.url}/validate`, caBundle: hook.caBundle },
      }),
    );
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'p' },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
    });
    await server.settled();
    const live = await core.readNamespacedPod({ name: 'p', namespace: ns });
    await core.replaceNamespacedPodStatus({
      name: 'p',
      namespace: ns,
      body: { ...live, status: { ...live.status, message: 'hello' } },
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'gone' } },
    });
    await core.deleteNamespacedConfigMap({ name: 'gone', namespace: ns });
    const mine = hook.requests.map((r) => r.request).filter((r) => r.userInfo.username === 'kubernetes-admin');
    expect(mine.map((r) => `${r.operation} ${r.resource.resource}/${r.subResource ?? ''} ${r.name}`)).toEqual([
      'UPDATE pods/status p',
      'DELETE configmaps/ gone',
    ]);
    expect(mine[0]).toMatchObject({
      kind: { kind: 'Pod' },
      object: { status: { message: 'hello' } },
      oldObject: { metadata: { name: 'p' } },
    });
    expect(mine[1]).toMatchObject({
      object: null,
      oldObject: { kind: 'ConfigMap', metadata: { name: 'gone' } },
      options: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1' },
    });
  });

  it('skips webhooks whose namespaceSelector or objectSelector exclude the request', async () => {
    const ns = await namespace('selectors');
    const other = await namespace('selectors-other');
    const hook = await denyAll();
    await addValidating(
      'selective',
      validating(ns, {
        name: 'selective.cube.io',
        objectSelector: {
          matchExpressions: [{ key: 'skip-webhook', operator: 'DoesNotExist' }],
        },
        clientConfig: { url: `${hook.url}/validate`, caBundle: hook.caBundle },
      }),
    );
    await core.createNamespacedConfigMap({
      namespace: other,
      body: { metadata: { name: 'elsewhere' } },
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: { name: 'labelled', labels: { 'skip-webhook': 'true' } },
      },
    });
    expect(hook.requests).toEqual([]);
    const denied = await failure(
      core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'plain' } },
      }),
    );
    expect(denied.code).toBe(403);
    expect(hook.requests).toHaveLength(1);
  });

  it('calls a webhook behind a Service through its Endpoints, verifying <service>.<namespace>.svc', async () => {
    const ns = await namespace('svc-ref');
    await namespace('cube-system');
    const hook = await webhookServer(
      () => ({
        allowed: false,
        status: { message: 'seen through the service' },
      }),
      // Endpoints may not be loopback (ValidateNonSpecialIP): serve on this machine's own address, as a pod IP.
      { dnsNames: ['warden.cube-system.svc'], host: podAddress() },
    );
    await core.createNamespacedService({
      namespace: 'cube-system',
      body: {
        metadata: { name: 'warden' },
        spec: { ports: [{ name: 'https', port: 443, targetPort: 9443 }] },
      },
    });
    await core.createNamespacedEndpoints({
      namespace: 'cube-system',
      body: {
        metadata: { name: 'warden' },
        subsets: [
          {
            addresses: [{ ip: podAddress() }],
            ports: [{ name: 'https', port: hook.port }],
          },
        ],
      },
    });
    await addValidating(
      'warden',
      validating(ns, {
        name: 'quota.warden.cube.io',
        clientConfig: {
          service: {
            namespace: 'cube-system',
            name: 'warden',
            path: '/validate',
          },
          caBundle: hook.caBundle,
        },
      }),
    );
    const denied = await failure(
      core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 's' } },
      }),
    );
    expect(denied).toMatchObject({
      code: 400,
      body: {
        message: 'admission webhook "quota.warden.cube.io" denied the request: seen through the service',
      },
    });
    expect(hook.requests.map((r) => r.path)).toEqual(['/validate']);
  });

  it('fails a call to a webhook whose certificate the caBundle does not trust', async () => {
    const ns = await namespace('wrong-ca');
    const hook = await webhookServer(() => ({ allowed: true }));
    const stranger = await makeCertificateAuthority('stranger');
    await addValidating(
      'wrong-ca',
      validating(ns, {
        name: 'wrong-ca.cube.io',
        clientConfig: {
          url: `${hook.url}/validate`,
          caBundle: Buffer.from(stranger.caCert).toString('base64'),
        },
      }),
    );
    const failed = await failure(
      core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: 'w' } },
      }),
    );
    expect(failed.code).toBe(500);
    expect(failed.body.message).toBe(
      `Internal error occurred: failed calling webhook "wrong-ca.cube.io": failed to call webhook: Post "${hook.url}/validate?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    );
    expect(hook.requests).toEqual([]);
  });

  it('gives up on a webhook that does not answer within timeoutSeconds', async () => {
    const ns = await namespace('slow');
    let release: () => void = () => undefined;
    const never = new Promise<{ allowed: boolean }>((resolve) => {
      release = () => resolve({ allowed: true });
    });
    const hook = await webhookServer(() => never);
    await addValidating(
      'slow',
      validating(ns, {
        name: 'slow.cube.io',
        failurePolicy: 'Ignore',
        timeoutSeconds: 1,
        clientConfig: { url: `${hook.url}/validate`, caBundle: hook.caBundle },
      }),
    );
    const started = Date.now();
    const created = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'late' } },
    });
    expect(created.metadata?.name).toBe('late');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(hook.requests).toHaveLength(1);
    release();
  });
});
