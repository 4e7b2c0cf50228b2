import { JSONCodec, Msg, NatsConnection, Subscription } from 'nats';
import { ClusterHeartbeat, ClustersSubjects } from '@cube/contracts';
import { until } from '@cube/messaging/testing';
import { ClustersEnvironment } from '../clusters-environment';
import { ClustersRepository } from '../clusters/clusters.repository';
import { ClustersService } from '../clusters/clusters.service';
import { HeartbeatMonitor } from './heartbeat-monitor';

const codec = JSONCodec<ClusterHeartbeat>();
const beat = (clusterId: string, nodes: number): ClusterHeartbeat => ({
  clusterId,
  wardenVersion: '1.0.0',
  kubernetesVersion: 'v1.32.0',
  nodes,
  capacity: { cpu: '8' },
  quotas: [{ namespace: 'ns-a', hard: { 'requests.cpu': '2' }, used: { 'requests.cpu': '1' } }],
  syncErrors: [],
  appliedRevision: 1,
  at: new Date().toISOString(),
});

// Heartbeats as the clusters service stores them: a normal cluster's in one statement, at most one per
// cluster at a time, and of those that arrive meanwhile only the newest.
describe('HeartbeatMonitor', () => {
  let deliver: (heartbeat: ClusterHeartbeat) => void;
  let monitor: HeartbeatMonitor;
  const stored: { cluster: string; nodes: number; allocated: Record<string, string> }[] = [];
  const transactional: string[] = [];
  const release = new Map<string, () => void>();
  let normal: (cluster: string) => boolean;

  beforeEach(() => {
    stored.length = 0;
    transactional.length = 0;
    release.clear();
    normal = () => true;
    const nats = {
      subscribe: (_subject: string, options: { callback: (error: Error | null, message: Msg) => void }) => {
        deliver = (heartbeat) =>
          options.callback(null, { subject: ClustersSubjects.heartbeat(heartbeat.clusterId), data: codec.encode(heartbeat) } as Msg);
        return { unsubscribe: () => undefined } as unknown as Subscription;
      },
    } as unknown as NatsConnection;
    const clusters = {
      // Each store waits until the test releases it, so that beats arrive while one is being stored.
      refreshHeartbeat: (heartbeat: ClusterHeartbeat, allocated: Record<string, string>) =>
        new Promise<boolean>((resolve) => {
          stored.push({ cluster: heartbeat.clusterId, nodes: heartbeat.nodes, allocated });
          release.set(heartbeat.clusterId, () => resolve(normal(heartbeat.clusterId)));
        }),
      recordHeartbeat: async (heartbeat: ClusterHeartbeat) => {
        transactional.push(`${heartbeat.clusterId}#${heartbeat.nodes}`);
        return null;
      },
    } as unknown as ClustersRepository;
    const service = { changeStatus: (change: (tx: never) => Promise<unknown>) => change(undefined as never) } as unknown as ClustersService;
    monitor = new HeartbeatMonitor(nats, { CUBE_HEARTBEAT_TIMEOUT: 3600 } as ClustersEnvironment, clusters, service);
    monitor.onApplicationBootstrap();
  });

  afterEach(() => monitor.onModuleDestroy());

  const releaseNext = async (cluster: string, count: number) => {
    await until(`${cluster}'s heartbeat ${count} being stored`, () => stored.filter((s) => s.cluster === cluster).length === count);
    release.get(cluster)?.();
  };

  it('stores one heartbeat per cluster at a time and, of those that arrived meanwhile, only the newest', async () => {
    deliver(beat('east', 1));
    deliver(beat('east', 2));
    deliver(beat('east', 3));
    deliver(beat('west', 1));
    // west does not wait for east.
    await until('west stored', () => stored.some((s) => s.cluster === 'west'));
    expect(stored.map((s) => `${s.cluster}#${s.nodes}`)).toEqual(['east#1', 'west#1']);
    await releaseNext('east', 1);
    await releaseNext('east', 2);
    release.get('west')?.();
    expect(stored.filter((s) => s.cluster === 'east').map((s) => s.nodes)).toEqual([1, 3]);
    expect(stored[0]?.allocated).toEqual({ 'requests.cpu': '2' });
    // Nothing left waiting: the next beat is stored at once.
    deliver(beat('east', 4));
    await until('east#4 stored', () => stored.some((s) => s.cluster === 'east' && s.nodes === 4));
    expect(transactional).toEqual([]);
  });

  it('hands a heartbeat that may change the status (pending, abnormal) to the transactional path', async () => {
    normal = () => false;
    deliver(beat('north', 1));
    await releaseNext('north', 1);
    await until('the transactional record', () => transactional.length === 1);
    expect(transactional).toEqual(['north#1']);
  });
});
