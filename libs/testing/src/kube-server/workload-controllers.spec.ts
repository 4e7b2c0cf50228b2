import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { KubeServer, startKubeServer } from './server';
import { until } from '@cube/messaging/testing';

const template = (image: string) => ({ metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'main', image }] } });

describe('DaemonSet and StatefulSet controllers, and image pulls', () => {
  let server: KubeServer;
  let apps: AppsV1Api;
  let core: CoreV1Api;

  beforeAll(async () => {
    server = await startKubeServer({ name: 'workloads' });
    const config = new KubeConfig();
    config.loadFromString(server.kubeconfig);
    apps = config.makeApiClient(AppsV1Api);
    core = config.makeApiClient(CoreV1Api);
  });
  afterAll(() => server?.stop());

  it('runs one ready pod of a DaemonSet on the node and reports it in status', async () => {
    await apps.createNamespacedDaemonSet({
      namespace: 'default',
      body: { metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'x' } }, template: template('busybox:1.36') } },
    });
    const status = await until('daemonset ready', async () => {
      const ds = await apps.readNamespacedDaemonSet({ namespace: 'default', name: 'agent' });
      return ds.status?.numberReady === 1 ? ds.status : undefined;
    });
    expect(status).toMatchObject({
      desiredNumberScheduled: 1,
      currentNumberScheduled: 1,
      updatedNumberScheduled: 1,
      numberAvailable: 1,
      observedGeneration: 1,
    });
    const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=x' });
    expect(pods.items.map((p) => p.metadata?.ownerReferences?.[0]?.kind)).toEqual(['DaemonSet']);
  });

  it('creates StatefulSet pods by ordinal and counts them ready', async () => {
    await apps.createNamespacedStatefulSet({
      namespace: 'default',
      body: {
        metadata: { name: 'db' },
        spec: {
          replicas: 2,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: { ...template('postgres:16'), metadata: { labels: { app: 'db' } } },
        },
      },
    });
    const status = await until('statefulset ready', async () => {
      const sts = await apps.readNamespacedStatefulSet({ namespace: 'default', name: 'db' });
      return sts.status?.readyReplicas === 2 ? sts.status : undefined;
    });
    expect(status).toMatchObject({ replicas: 2, updatedReplicas: 2, observedGeneration: 1 });
    expect(
      (await core.readNamespacedPod({ namespace: 'default', name: 'db-1' })).metadata?.labels?.['statefulset.kubernetes.io/pod-name'],
    ).toBe('db-1');
  });

  it('keeps a pod whose image registry cannot resolve Pending in ErrImagePull, so its Deployment is not ready', async () => {
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'broken' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'broken' } },
          template: { ...template('registry.invalid/app:1'), metadata: { labels: { app: 'broken' } } },
        },
      },
    });
    const pod = await until('pull failure reported', async () => {
      const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=broken' });
      const first = pods.items[0];
      return first?.status?.containerStatuses ? first : undefined;
    });
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ErrImagePull');
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    const deployment = await apps.readNamespacedDeployment({ namespace: 'default', name: 'broken' });
    expect(deployment.status?.readyReplicas ?? 0).toBe(0);
  });
});
