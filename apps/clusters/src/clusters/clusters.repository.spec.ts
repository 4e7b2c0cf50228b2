import { DataSource } from 'typeorm';
import { ClusterHeartbeat } from '@cube/contracts';
import { migratedScratchDatabase, SealedValue } from '@cube/persistence';
import { entities } from '../entities';
import { migrations } from '../migrations';
import { ClustersRepository } from './clusters.repository';

const sealed: SealedValue = { sealed: 'aes-256-gcm', iv: 'aXY', tag: 'dGFn', data: 'ZGF0YQ' };
const newCluster = (name: string) => ({
  name,
  displayName: name.toUpperCase(),
  description: '',
  credentials: sealed,
  credentialsKeyId: 'k1',
  kubernetesVersion: 'v1.32.0',
  nodes: 3,
});
const heartbeat = (clusterId: string): ClusterHeartbeat =>
  ({
    clusterId,
    wardenVersion: '1.0.0',
    kubernetesVersion: 'v1.32.1',
    nodes: 4,
    capacity: { cpu: '8' },
    syncErrors: [],
    quotas: [],
    at: new Date().toISOString(),
  }) as unknown as ClusterHeartbeat;

// The cluster registry against the machine's PostgreSQL, in a database of its own with clusters' migrations.
describe('ClustersRepository', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let clusters: ClustersRepository;

  beforeAll(async () => {
    ({ db, drop } = await migratedScratchDatabase('clusters_repository', { schema: 'clusters', migrations, entities }));
    clusters = new ClustersRepository(db);
  });

  afterAll(async () => {
    await drop();
  });

  it('registers a cluster once, pending, with its sealed credentials', async () => {
    const east = await clusters.insert(newCluster('east'));
    expect(east).toMatchObject({
      name: 'east',
      displayName: 'EAST',
      status: 'pending',
      credentials: sealed,
      credentialsKeyId: 'k1',
      nodes: 3,
      version: 1,
      syncErrors: [],
    });
    expect(await clusters.insert(newCluster('east'))).toBeNull();
    expect(await clusters.exists('east')).toBe(true);
    expect(await clusters.exists('west')).toBe(false);
  });

  it('pages by name after the one given', async () => {
    for (const name of ['north', 'south', 'west']) await clusters.insert(newCluster(name));
    expect((await clusters.list(2, null)).map((cluster) => cluster.name)).toEqual(['east', 'north']);
    expect((await clusters.list(5, 'north')).map((cluster) => cluster.name)).toEqual(['south', 'west']);
    expect((await clusters.all()).map((cluster) => cluster.name)).toEqual(['east', 'north', 'south', 'west']);
  });

  it('changes only what PATCH gave, bumping the version', async () => {
    const changed = await clusters.update('north', { description: 'the north one' });
    expect(changed).toMatchObject({ displayName: 'NORTH', description: 'the north one', credentialsKeyId: 'k1', version: 2 });
    const rekeyed = await clusters.update('north', { credentials: { sealed, keyId: 'k2' } });
    expect(rekeyed).toMatchObject({ description: 'the north one', credentialsKeyId: 'k2', version: 3 });
    expect(await clusters.update('nowhere', { description: 'x' })).toBeNull();
  });

  it('turns pending normal on a heartbeat, once', async () => {
    expect(await clusters.recordHeartbeat(heartbeat('south'), { cpu: '1' })).toMatchObject({
      from: 'pending',
      to: 'normal',
      cluster: { name: 'south', nodes: 4 },
    });
    expect(await clusters.recordHeartbeat(heartbeat('south'), { cpu: '1' })).toBeNull();
    expect(await clusters.find('south')).toMatchObject({ status: 'normal', allocated: { cpu: '1' }, wardenVersion: '1.0.0' });
  });

  it('deletes a cluster and returns it as it was', async () => {
    expect(await clusters.delete('west')).toMatchObject({ name: 'west' });
    expect(await clusters.delete('west')).toBeNull();
    expect(await clusters.find('west')).toBeNull();
  });

  it('refreshes a normal cluster in place, and leaves pending, abnormal and unknown ones to recordHeartbeat', async () => {
    await clusters.insert(newCluster('fresh'));
    expect(await clusters.refreshHeartbeat(heartbeat('fresh'), { cpu: '1' })).toBe(false);
    expect(await clusters.find('fresh')).toMatchObject({ status: 'pending', lastHeartbeat: null });

    await clusters.recordHeartbeat(heartbeat('fresh'), { cpu: '1' });
    const normal = await clusters.find('fresh');
    expect(await clusters.refreshHeartbeat({ ...heartbeat('fresh'), kubernetesVersion: 'v1.32.2', nodes: 5 }, { cpu: '2' })).toBe(true);
    const refreshed = await clusters.find('fresh');
    // Same status, same version (no event is owed), the heartbeat's facts and a newer lastHeartbeat.
    expect(refreshed).toMatchObject({
      status: 'normal',
      kubernetesVersion: 'v1.32.2',
      nodes: 5,
      allocated: { cpu: '2' },
      version: normal?.version,
    });
    expect(Date.parse(refreshed?.lastHeartbeat ?? '')).toBeGreaterThanOrEqual(Date.parse(normal?.lastHeartbeat ?? ''));

    await clusters.markSilentAbnormal(0);
    expect(await clusters.refreshHeartbeat(heartbeat('fresh'), { cpu: '1' })).toBe(false);
    expect((await clusters.find('fresh'))?.status).toBe('abnormal');
    expect(await clusters.refreshHeartbeat(heartbeat('nowhere'), {})).toBe(false);
  });
});
