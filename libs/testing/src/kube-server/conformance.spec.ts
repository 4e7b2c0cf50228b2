// Checks the server's semantics through @kubernetes/client-node, the way Cube's services use it.
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  makeInformer,
  RbacAuthorizationV1Api,
  V1ConfigMap,
  Watch,
} from '@kubernetes/client-node';
import { KubeServer, startKubeServer } from './server';

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

/** Resolves when `check` passes, re-checking after each watch event of the server (no sleeps). */
async function eventually<T>(server: KubeServer, check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    await server.settled();
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}

describe('conformance through @kubernetes/client-node', () => {
  let server: KubeServer;
  let kc: KubeConfig;
  let core: CoreV1Api;

  beforeAll(async () => {
    server = await startKubeServer({
      name: 'conformance',
      bookmarkIntervalMs: 200,
    });
    kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    await server.settled();
  });

  afterAll(() => server.stop());

  it('creates, reads, updates and deletes a ConfigMap with increasing resourceVersions', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'crud' }, data: { a: '1' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const read = await core.readNamespacedConfigMap({
      name: 'crud',
      namespace: 'team-a',
    });
    expect(read.data).toEqual({ a: '1' });
    read.data = { a: '2' };
    const updated = await core.replaceNamespacedConfigMap({
      name: 'crud',
      namespace: 'team-a',
      body: read,
    });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    const status = await core.deleteNamespacedConfigMap({
      name: 'crud',
      namespace: 'team-a',
    });
    expect(status).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'crud', kind: 'configmaps' },
    });
    expect(await failure(core.readNamespacedConfigMap({ name: 'crud', namespace: 'team-a' }))).toEqual({
      code: 404,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'configmaps "crud" not found',
        reason: 'NotFound',
        details: { name: 'crud', kind: 'configmaps' },
        code: 404,
      },
    });
  });

  it('answers 409 AlreadyExists and 409 Conflict with the real messages', async () => {
    await core.createNamespacedSecret({
      namespace: 'team-a',
      body: { metadata: { name: 's1' }, stringData: { k: 'v' } },
    });
    const dup = await failure(
      core.createNamespacedSecret({
        namespace: 'team-a',
        body: { metadata: { name: 's1' } },
      }),
    );
    expect(dup.code).toBe(409);
    expect(dup.body).toMatchObject({
      reason: 'AlreadyExists',
      message: 'secrets "s1" already exists',
    });
    const stale = await failure(
      core.replaceNamespacedSecret({
        name: 's1',
        namespace: 'team-a',
        body: { metadata: { name: 's1', resourceVersion: '1' } },
      }),
    );
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on secrets "s1": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('names objects from generateName', async () => {
    const cm = await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { generateName: 'gen-' } },
    });
    expect(cm.metadata?.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('refuses creation in a terminating namespace', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedConfigMap({
      namespace: 'doomed',
      body: { metadata: { name: 'c', finalizers: ['example.com/hold'] } },
    });
    const ns = await core.deleteNamespace({ name: 'doomed' });
    expect(ns).toMatchObject({
      kind: 'Namespace',
      status: { phase: 'Terminating' },
    });
    const refused = await failure(
      core.createNamespacedConfigMap({
        namespace: 'doomed',
        body: { metadata: { name: 'late' } },
      }),
    );
    expect(refused).toEqual({
      code: 403,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated',
        reason: 'Forbidden',
        details: {
          name: 'late',
          kind: 'configmaps',
          causes: [
            {
              reason: 'NamespaceTerminating',
              message: 'namespace doomed is being terminated',
              field: 'metadata.namespace',
            },
          ],
        },
        code: 403,
      },
    });
    // The finalizer holds the ConfigMap (and so the namespace) until it is removed.
    await server.settled();
    const held = await core.readNamespacedConfigMap({
      name: 'c',
      namespace: 'doomed',
    });
    expect(held.metadata?.deletionTimestamp).toBeDefined();
    await core.patchNamespacedConfigMap({
      name: 'c',
      namespace: 'doomed',
      body: [{ op: 'remove', path: '/metadata/finalizers' }],
    });
    await eventually(server, async () => {
      try {
        await core.readNamespace({ name: 'doomed' });
        return undefined;
      } catch (e) {
        return statusOf(e).code === 404 ? true : undefined;
      }
    });
  });

  it('lists with label and field selectors and paginates with continue', async () => {
    for (const [name, tier] of [
      ['l1', 'web'],
      ['l2', 'db'],
      ['l3', 'web'],
    ])
      await core.createNamespacedConfigMap({
        namespace: 'team-a',
        body: { metadata: { name, labels: { tier } } },
      });
    const web = await core.listNamespacedConfigMap({
      namespace: 'team-a',
      labelSelector: 'tier in (web),tier!=db',
    });
    expect(web.items.map((i) => i.metadata?.name)).toEqual(['l1', 'l3']);
    const notWeb = await core.listNamespacedConfigMap({
      namespace: 'team-a',
      labelSelector: 'tier,tier notin (web)',
    });
    expect(notWeb.items.map((i) => i.metadata?.name)).toEqual(['l2']);
    const byName = await core.listConfigMapForAllNamespaces({
      fieldSelector: 'metadata.name=l2,metadata.namespace=team-a',
    });
    expect(byName.items.map((i) => i.metadata?.name)).toEqual(['l2']);
    const page1 = await core.listNamespacedConfigMap({
      namespace: 'team-a',
      labelSelector: 'tier',
      limit: 2,
    });
    expect(page1.items).toHaveLength(2);
    const page2 = await core.listNamespacedConfigMap({
      namespace: 'team-a',
      labelSelector: 'tier',
      limit: 2,
      _continue: page1.metadata?._continue,
    });
    expect(page2.items.map((i) => i.metadata?.name)).toEqual(['l3']);
    expect(page2.metadata?._continue).toBeUndefined();
    const bad = await failure(
      core.listNamespacedPod({
        namespace: 'team-a',
        fieldSelector: 'spec.bogus=1',
      }),
    );
    expect(bad.code).toBe(400);
  });

  it('streams watch events from a resourceVersion, honouring selectors', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: 'team-a' });
    const events: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const watch = new Watch(kc);
    const req = await watch.watch(
      '/api/v1/namespaces/team-a/configmaps',
      {
        resourceVersion: list.metadata?.resourceVersion,
        labelSelector: 'watched=yes',
      },
      (type, obj: V1ConfigMap) => {
        events.push(`${type} ${obj.metadata?.name}`);
        if (type === 'DELETED') done();
      },
      () => undefined,
    );
    await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'w-ignored' } },
    });
    await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'w1', labels: { watched: 'yes' } } },
    });
    await core.patchNamespacedConfigMap({
      name: 'w1',
      namespace: 'team-a',
      body: [{ op: 'add', path: '/data', value: { x: 'y' } }],
    });
    await core.deleteNamespacedConfigMap({ name: 'w1', namespace: 'team-a' });
    await finished;
    req.abort();
    expect(events).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
  });

  it('ends a watch at timeoutSeconds and reports 410 for a compacted resourceVersion', async () => {
    const watch = new Watch(kc);
    const ended = await new Promise<unknown>((resolve) => {
      void watch.watch(
        '/api/v1/namespaces/team-a/configmaps',
        {
          timeoutSeconds: 1,
          resourceVersion: String(server.api.store.resourceVersion),
        },
        () => undefined,
        resolve,
      );
    });
    expect(ended).toBeNull();
    const errors: unknown[] = [];
    await new Promise<unknown>((resolve) => {
      void watch.watch(
        '/api/v1/namespaces/team-a/configmaps',
        { resourceVersion: '1' },
        (type, obj) => errors.push({ type, obj }),
        resolve,
      );
    });
    expect(errors).toEqual([
      {
        type: 'ERROR',
        obj: expect.objectContaining({ code: 410, reason: 'Expired' }),
      },
    ]);
  });

  it('sends bookmarks when allowed', async () => {
    const watch = new Watch(kc);
    const types: string[] = [];
    let got!: () => void;
    const bookmarked = new Promise<void>((r) => (got = r));
    const req = await watch.watch(
      '/api/v1/namespaces/team-a/configmaps',
      {
        allowWatchBookmarks: true,
        resourceVersion: String(server.api.store.resourceVersion),
      },
      (type) => {
        types.push(type);
        if (type === 'BOOKMARK') got();
      },
      () => undefined,
    );
    await bookmarked;
    req.abort();
    expect(types).toContain('BOOKMARK');
  });

  it('feeds an informer', async () => {
    const informer = makeInformer(kc, '/api/v1/namespaces/team-a/configmaps', () => core.listNamespacedConfigMap({ namespace: 'team-a' }));
    const added: string[] = [];
    let seen!: () => void;
    const sawIt = new Promise<void>((r) => (seen = r));
    informer.on('add', (o) => {
      added.push(o.metadata?.name ?? '');
      if (o.metadata?.name === 'inf-1') seen();
    });
    await informer.start();
    expect(informer.list().length).toBeGreaterThan(0);
    await core.createNamespacedConfigMap({
      namespace: 'team-a',
      body: { metadata: { name: 'inf-1' } },
    });
    await sawIt;
    await informer.stop();
    expect(informer.get('inf-1', 'team-a')?.metadata?.name).toBe('inf-1');
  });

  it('runs a Deployment to Running pods and collects them when it is deleted', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'team-a',
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
          },
        },
      },
    });
    const d = await eventually(server, async () => {
      const x = await apps.readNamespacedDeployment({
        name: 'web',
        namespace: 'team-a',
      });
      return x.status?.availableReplicas === 2 ? x : undefined;
    });
    expect(d.status).toMatchObject({
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      observedGeneration: 1,
    });
    const pods = await core.listNamespacedPod({
      namespace: 'team-a',
      labelSelector: 'app=web',
    });
    expect(pods.items).toHaveLength(2);
    for (const p of pods.items) {
      expect(p.status?.phase).toBe('Running');
      expect(p.spec?.nodeName).toBe('conformance-control-plane');
      expect(p.metadata?.ownerReferences?.[0]).toMatchObject({
        kind: 'ReplicaSet',
        controller: true,
      });
    }
    const running = await core.listNamespacedPod({
      namespace: 'team-a',
      fieldSelector: 'status.phase=Running',
    });
    expect(running.items.length).toBeGreaterThanOrEqual(2);
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: 'team-a' });
    await eventually(server, async () => {
      const left = await core.listNamespacedPod({
        namespace: 'team-a',
        labelSelector: 'app=web',
      });
      const rs = await apps.listNamespacedReplicaSet({ namespace: 'team-a' });
      return left.items.length === 0 && rs.items.length === 0 ? true : undefined;
    });
  });

  it('orphans dependents when asked and keeps them afterwards', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedReplicaSet({
      namespace: 'team-a',
      body: {
        metadata: { name: 'solo' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'solo' } },
          template: {
            metadata: { labels: { app: 'solo' } },
            spec: { containers: [{ name: 'c', image: 'busybox' }] },
          },
        },
      },
    });
    await eventually(server, async () =>
      (
        await core.listNamespacedPod({
          namespace: 'team-a',
          labelSelector: 'app=solo',
        })
      ).items.length === 1
        ? true
        : undefined,
    );
    await apps.deleteNamespacedReplicaSet({
      name: 'solo',
      namespace: 'team-a',
      propagationPolicy: 'Orphan',
    });
    const orphans = await eventually(server, async () => {
      const rs = await apps.listNamespacedReplicaSet({
        namespace: 'team-a',
        fieldSelector: 'metadata.name=solo',
      });
      const pods = await core.listNamespacedPod({
        namespace: 'team-a',
        labelSelector: 'app=solo',
      });
      return rs.items.length === 0 ? pods.items : undefined;
    });
    expect(orphans).toHaveLength(1);
    expect(orphans[0].metadata?.ownerReferences).toBeUndefined();
    await core.deleteNamespacedPod({
      name: orphans[0].metadata?.name ?? '',
      namespace: 'team-a',
    });
  });

  it('keeps ResourceQuota status.used in step with pods', async () => {
    await core.createNamespacedResourceQuota({
      namespace: 'team-a',
      body: {
        metadata: { name: 'q' },
        spec: { hard: { pods: '10', 'requests.memory': '1Gi' } },
      },
    });
    await core.createNamespacedPod({
      namespace: 'team-a',
      body: {
        metadata: { name: 'mem' },
        spec: {
          containers: [
            {
              name: 'c',
              image: 'busybox',
              resources: { requests: { memory: '256Mi' } },
            },
          ],
        },
      },
    });
    const q = await eventually(server, async () => {
      const x = await core.readNamespacedResourceQuota({
        name: 'q',
        namespace: 'team-a',
      });
      return x.status?.used?.['requests.memory'] === '256Mi' ? x : undefined;
    });
    expect(q.status?.hard).toEqual({ pods: '10', 'requests.memory': '1Gi' });
  });

  it('stores RBAC objects', async () => {
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createClusterRole({
      body: {
        metadata: { name: 'system:cube:viewer' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: 'team-a',
      body: {
        metadata: { name: 'view' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'system:cube:viewer',
        },
        subjects: [
          {
            kind: 'User',
            name: 'alice',
            apiGroup: 'rbac.authorization.k8s.io',
          },
        ],
      },
    });
    const rb = await rbac.readNamespacedRoleBinding({
      name: 'view',
      namespace: 'team-a',
    });
    expect(rb.roleRef.name).toBe('system:cube:viewer');
  });

  it("serves a CRD's resource once created, through CustomObjectsApi and KubernetesObjectApi", async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    await objects.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.cube.io' },
      spec: {
        group: 'cube.io',
        scope: 'Namespaced',
        names: {
          plural: 'widgets',
          singular: 'widget',
          kind: 'Widget',
          shortNames: ['wd'],
        },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                'x-kubernetes-preserve-unknown-fields': true,
              },
            },
          },
        ],
      },
    } as never);
    await server.settled();
    const custom = kc.makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      group: 'cube.io',
      version: 'v1',
      namespace: 'team-a',
      plural: 'widgets',
      body: {
        apiVersion: 'cube.io/v1',
        kind: 'Widget',
        metadata: { name: 'w' },
        spec: { size: 3 },
      },
    });
    const w = (await custom.getNamespacedCustomObject({
      group: 'cube.io',
      version: 'v1',
      namespace: 'team-a',
      plural: 'widgets',
      name: 'w',
    })) as { metadata: { generation: number }; spec: unknown };
    expect(w).toMatchObject({ metadata: { generation: 1 }, spec: { size: 3 } });
    const read = await objects.read({
      apiVersion: 'cube.io/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'team-a' },
    });
    expect(read.metadata?.name).toBe('w');
  });
});
