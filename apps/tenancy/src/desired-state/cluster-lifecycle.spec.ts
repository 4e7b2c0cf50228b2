import { randomBytes } from 'node:crypto';
import { connect, JSONCodec, NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { CubeEvent, quotaLedgerBucket, TenantLedgerEntry } from '@cube/contracts';
import { DesiredStateStore, desiredStateBucket, DesiredStateStores, DurableSubscribers } from '@cube/messaging';
import { migratedScratchDatabase } from '@cube/persistence';
import { RoleBindingsProjection } from '../access/role-bindings.projection';
import { entities } from '../entities';
import { HierarchyRepository, toNamespace } from '../hierarchy/hierarchy.repository';
import { migrations } from '../migrations';
import { ClusterRegistry } from '../quota/cluster-registry';
import { LedgerPublisher } from '../quota/ledger-publisher';
import { QuotaLedgerRepository } from '../quota/quota-ledger.repository';
import { RegisteredClusters } from '../shared/registered-clusters';
import { clusterWideObjects } from './cluster-objects';
import { ClusterLifecycle } from './cluster-lifecycle';
import { DesiredStateResync } from './desired-state-resync';
import { DesiredStateWriter } from './desired-state-writer';
import { MemberClusters } from './member-clusters';
import { namespaceObjects } from './namespace-objects';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const ledgerCodec = JSONCodec<TenantLedgerEntry>();

/**
 * The clusters service's registry as tenancy asks it, over a set the test changes. The machine's
 * NATS is shared with other suites: their clusters (every bucket not named with this run's suffix)
 * count as registered, so the resync's removal of unregistered clusters' buckets never touches them.
 */
class FakeRegistry {
  readonly names = new Set<string>();
  nc?: NatsConnection;
  constructor(private readonly suffix: string) {}
  async isRegistered(cluster: string): Promise<boolean> {
    return this.names.has(cluster);
  }
  async registeredClusters(): Promise<string[]> {
    const others: string[] = [];
    if (this.nc) {
      for await (const name of (await this.nc.jetstreamManager()).streams.names()) {
        const cluster = /^KV_cube-(?:desired|ledger)-(.+)$/.exec(name)?.[1];
        if (cluster && !cluster.endsWith(this.suffix)) others.push(cluster);
      }
    }
    return [...this.names, ...others];
  }
}

const event = (type: 'registered' | 'deleted', cluster: string): CubeEvent =>
  ({
    id: randomBytes(8).toString('hex'),
    type: `clusters.cluster.${type}`,
    entity: { kind: 'Cluster', name: cluster },
  }) as unknown as CubeEvent;

// Tenancy's per-cluster buckets follow the cluster's registration, against the machine's NATS and
// PostgreSQL: deleted with the cluster, never brought back by a late write or the start-up resync,
// and rebuilt from the database when the name is registered again.
describe('ClusterLifecycle', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let nc: NatsConnection;
  let lifecycle: ClusterLifecycle;
  let writer: DesiredStateWriter;
  let resync: DesiredStateResync;
  let ledger: LedgerPublisher;
  let hierarchy: HierarchyRepository;
  const suffix = randomBytes(4).toString('hex');
  const registry = new FakeRegistry(suffix);
  const member = `lc-member-${suffix}`;
  const other = `lc-other-${suffix}`;
  const leftover = `lc-leftover-${suffix}`;

  const streamExists = async (bucket: string): Promise<boolean> => {
    const manager = await nc.jetstreamManager();
    return manager.streams.info(`KV_${bucket}`).then(
      () => true,
      () => false,
    );
  };
  const desiredKeys = async (cluster: string): Promise<string[]> =>
    (await (await DesiredStateStore.open(nc.jetstream(), cluster)).keys()).sort();
  const ledgerEntry = async (cluster: string, tenant: string): Promise<TenantLedgerEntry | null> => {
    const entry = await (await nc.jetstream().views.kv(quotaLedgerBucket(cluster), { bindOnly: true })).get(tenant);
    return entry && entry.operation === 'PUT' ? ledgerCodec.decode(entry.value) : null;
  };
  /** What the member's desired bucket must hold: the cluster-wide objects and its namespace's. */
  const expectedMemberKeys = async (): Promise<string[]> => {
    const namespace = (await hierarchy.allNamespaces()).map(toNamespace).find((n) => n.cluster === member);
    if (!namespace) throw new Error('the member namespace is missing');
    return [...clusterWideObjects([]).keys(), ...namespaceObjects(namespace, []).keys()].sort();
  };

  beforeAll(async () => {
    ({ db, drop } = await migratedScratchDatabase('tenancy_cluster_lifecycle', { schema: 'tenancy', migrations, entities }));
    nc = await connect({ servers: NATS_URL });
    registry.nc = nc;
    hierarchy = new HierarchyRepository(db);
    const quotas = new QuotaLedgerRepository(db);
    await hierarchy.insertTenant('acme', {}, 'spec');
    await hierarchy.insertProject('acme', 'web', {}, 'spec');
    await db.transaction(async (tx) => {
      await hierarchy.insertNamespace(tx, {
        cluster: member,
        name: 'acme-web',
        tenant: 'acme',
        project: 'web',
        quota: { pods: '2' },
        createdBy: 'spec',
      });
      await quotas.lockOrCreateTenantQuota(tx, 'acme', member);
      await quotas.setTenantHard(tx, 'acme', member, { pods: '4' });
    });

    const registered = new RegisteredClusters();
    const stores = new DesiredStateStores(nc, { natsUrl: NATS_URL, service: 'tenancy' });
    const clusterRegistry = registry as unknown as ClusterRegistry;
    writer = new DesiredStateWriter(stores, registered);
    const members = new MemberClusters(registered, writer);
    resync = new DesiredStateResync(hierarchy, stores, new RoleBindingsProjection(db), clusterRegistry, registered, members, writer, nc);
    ledger = new LedgerPublisher(quotas, hierarchy, clusterRegistry, registered, nc);
    lifecycle = new ClusterLifecycle({} as DurableSubscribers, registered, clusterRegistry, resync, ledger);

    registry.names.add(member).add(other);
    await resync.resyncAll();
    await lifecycle.apply(event('registered', member));
    await lifecycle.apply(event('registered', other));
  });

  afterAll(async () => {
    const js = nc.jetstream();
    const manager = await js.jetstreamManager();
    for (const cluster of [member, other, leftover]) {
      for (const bucket of [desiredStateBucket(cluster), quotaLedgerBucket(cluster)])
        await manager.streams.delete(`KV_${bucket}`).catch(() => false);
    }
    await nc.drain();
    await drop();
  });

  it('gives a registered cluster its desired state and its quota ledger from the database', async () => {
    expect(await desiredKeys(member)).toEqual(await expectedMemberKeys());
    expect(await ledgerEntry(member, 'acme')).toMatchObject({
      tenant: 'acme',
      cluster: member,
      hard: { pods: '4' },
      namespaces: { 'acme-web': { pods: '2' } },
    });
    expect(await streamExists(quotaLedgerBucket(other))).toBe(true);
  });

  it("deletes an unregistered cluster's buckets, and nothing brings them back while it is gone", async () => {
    // Keys that must not outlive the cluster: a stray of tenancy's and one of the hotplug service's.
    const store = await DesiredStateStore.open(nc.jetstream(), member);
    await store.put('namespace.stray', { kind: 'Namespace' });
    await store.put('hotplug.monitoring.deployment', { kind: 'Deployment' });

    registry.names.delete(member);
    await lifecycle.apply(event('deleted', member));
    expect(await streamExists(desiredStateBucket(member))).toBe(false);
    expect(await streamExists(quotaLedgerBucket(member))).toBe(false);
    expect(await streamExists(desiredStateBucket(other))).toBe(true);
    expect(await streamExists(quotaLedgerBucket(other))).toBe(true);

    // The namespace and the quota stay in the database: a change to them, a redelivered deletion
    // and a restart's resync all leave the buckets deleted.
    const namespace = (await hierarchy.allNamespaces()).map(toNamespace).find((n) => n.cluster === member);
    if (!namespace) throw new Error('the member namespace is missing');
    await writer.writeNamespace(namespace, []);
    await ledger.publish('acme', member);
    expect(await streamExists(desiredStateBucket(member))).toBe(false);
    expect(await streamExists(quotaLedgerBucket(member))).toBe(false);
    await lifecycle.apply(event('deleted', member));
    await resync.resyncAll();
    expect(await streamExists(desiredStateBucket(member))).toBe(false);
    expect(await streamExists(quotaLedgerBucket(member))).toBe(false);
  });

  it('rebuilds the buckets of a cluster registered again under the same name from the database', async () => {
    registry.names.add(member);
    await lifecycle.apply(event('registered', member));
    expect(await desiredKeys(member)).toEqual(await expectedMemberKeys());
    expect(await ledgerEntry(member, 'acme')).toMatchObject({ hard: { pods: '4' }, namespaces: { 'acme-web': { pods: '2' } } });

    // A deletion of the old cluster handled only now: the name is registered again, its buckets stay.
    await lifecycle.apply(event('deleted', member));
    expect(await desiredKeys(member)).toEqual(await expectedMemberKeys());
  });

  it('removes at start the desired state bucket of a cluster that is not registered', async () => {
    await (await DesiredStateStore.open(nc.jetstream(), leftover)).put('namespace.old', { kind: 'Namespace' });
    const report = await resync.resyncAll();
    expect(report.removedBuckets).toBeGreaterThanOrEqual(1);
    expect(await streamExists(desiredStateBucket(leftover))).toBe(false);
    expect(await streamExists(desiredStateBucket(member))).toBe(true);
  });
});
