import { DataSource } from 'typeorm';
import { ClusterHeartbeat } from '@cube/contracts';
import { CubeMetrics } from '@cube/observability';
import { parsePrometheusText, sampleValue } from '@cube/observability/testing';
import { migratedScratchDatabase } from '@cube/persistence';
import { ClustersRepository } from '../clusters/clusters.repository';
import { entities } from '../entities';
import { migrations } from '../migrations';
import { ClusterHealthMetrics } from './cluster-health.metrics';

const register = (name: string) => ({
  name,
  displayName: name,
  description: '',
  credentials: { sealed: 'aes-256-gcm' as const, iv: 'aXY', tag: 'dGFn', data: 'ZGF0YQ' },
  credentialsKeyId: 'k1',
  kubernetesVersion: 'v1.32.0',
  nodes: 1,
});
const heartbeat = (clusterId: string, syncErrors: unknown[]) =>
  ({
    clusterId,
    wardenVersion: '1.0.0',
    kubernetesVersion: 'v1.32.1',
    nodes: 1,
    capacity: {},
    syncErrors,
    quotas: [],
  }) as unknown as ClusterHeartbeat;

// The per-cluster gauges against the registry table on the machine's PostgreSQL.
describe('ClusterHealthMetrics', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let clusters: ClustersRepository;
  let metrics: CubeMetrics;
  const scrape = async () => parsePrometheusText(await metrics.render());

  beforeAll(async () => {
    ({ db, drop } = await migratedScratchDatabase('cluster_health_metrics', { schema: 'clusters', migrations, entities }));
    clusters = new ClustersRepository(db);
    metrics = new CubeMetrics('clusters');
    new ClusterHealthMetrics(metrics, clusters).onModuleInit();
  });
  afterAll(async () => {
    await drop();
  });

  it('follows each cluster from pending through normal to abnormal, with its heartbeat age and sync errors', async () => {
    await clusters.insert(register('east'));
    let samples = await scrape();
    expect(sampleValue(samples, 'cube_cluster_status', { cluster: 'east', status: 'pending' })).toBe(1);
    expect(sampleValue(samples, 'cube_cluster_status', { cluster: 'east', status: 'normal' })).toBe(0);
    // No heartbeat yet: no age rather than a made-up one.
    expect(sampleValue(samples, 'cube_cluster_heartbeat_age_seconds', { cluster: 'east' })).toBeUndefined();

    await clusters.recordHeartbeat(heartbeat('east', [{ key: 'namespace.a.b', message: 'denied', attempts: 1 }]), {});
    samples = await scrape();
    expect(sampleValue(samples, 'cube_cluster_status', { cluster: 'east', status: 'normal' })).toBe(1);
    expect(sampleValue(samples, 'cube_cluster_status', { cluster: 'east', status: 'pending' })).toBe(0);
    const age = sampleValue(samples, 'cube_cluster_heartbeat_age_seconds', { cluster: 'east' });
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(60);
    expect(sampleValue(samples, 'cube_cluster_sync_errors', { cluster: 'east' })).toBe(1);

    await clusters.markSilentAbnormal(0);
    samples = await scrape();
    expect(sampleValue(samples, 'cube_cluster_status', { cluster: 'east', status: 'abnormal' })).toBe(1);
    expect(sampleValue(samples, 'cube_cluster_status', { cluster: 'east', status: 'normal' })).toBe(0);
  });

  it('drops a deleted cluster from the gauges', async () => {
    await clusters.insert(register('west'));
    expect(sampleValue(await scrape(), 'cube_cluster_status', { cluster: 'west', status: 'pending' })).toBe(1);
    await clusters.delete('west');
    expect(sampleValue(await scrape(), 'cube_cluster_status', { cluster: 'west', status: 'pending' })).toBeUndefined();
  });
});
