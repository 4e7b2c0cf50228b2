import { Inject, Injectable } from '@nestjs/common';
import { JSONCodec, NatsConnection } from 'nats';
import { quotaLedgerBucket, TenantLedgerEntry } from '@cube/contracts';
import { JETSTREAM_CONNECTION, KvProjection } from '@cube/messaging';
import { HierarchyRepository } from '../hierarchy/hierarchy.repository';
import { RegisteredClusters } from '../shared/registered-clusters';
import { ClusterRegistry } from './cluster-registry';
import { QuotaLedgerRepository } from './quota-ledger.repository';

const codec = JSONCodec<TenantLedgerEntry>();
const LEDGER_STREAM_PREFIX = `KV_${quotaLedgerBucket('')}`;

/**
 * Copies the quota ledger to each member cluster's bucket `cube-ledger-<cluster>` (key: tenant), from
 * which Warden's validating webhook checks direct ResourceQuota changes (ARCHITECTURE.md, quota).
 * Each publish reads the committed rows again, and publishes run one at a time (`KvProjection`), so the
 * last publish of a (tenant, cluster) always carries the latest state whatever order the triggers came in.
 * Only registered clusters have a ledger: an unregistered cluster's bucket is deleted (`removeCluster`)
 * and never written again until the cluster is registered again (`resyncCluster`).
 */
@Injectable()
export class LedgerPublisher extends KvProjection {
  constructor(
    private readonly ledger: QuotaLedgerRepository,
    private readonly hierarchy: HierarchyRepository,
    private readonly registry: ClusterRegistry,
    private readonly registered: RegisteredClusters,
    @Inject(JETSTREAM_CONNECTION) nats: NatsConnection,
  ) {
    super(nats, { what: 'the quota ledger' });
  }

  /**
   * Every (tenant, registered cluster) the database knows, and no entry it does not know; no bucket
   * for a cluster that is not registered (asked of the clusters service; a failure is retried with
   * backoff), so a removal that failed or was missed is made here.
   */
  protected async resync(): Promise<void> {
    // Buckets first, then the registry: only a bucket whose cluster was unregistered is a leftover.
    const buckets = await this.clustersWithLedger();
    const registered = new Set(await this.registry.registeredClusters());
    await this.resyncClusters((cluster) => registered.has(cluster));
    for (const cluster of buckets) if (!registered.has(cluster)) await this.removeBucket(quotaLedgerBucket(cluster));
  }

  /**
   * Makes the cluster's ledger bucket what the database says, creating it (empty until a tenant has
   * quota or namespaces there) so the cluster's Warden binds it from its start. For a registered
   * cluster, also one registered again after its deletion: entries of its tenants come back.
   */
  resyncCluster(cluster: string): Promise<void> {
    return this.enqueue(async () => {
      await this.bucket(quotaLedgerBucket(cluster));
      await this.resyncClusters((name) => name === cluster);
    });
  }

  /** After the cluster was unregistered: its bucket goes, every entry with it. */
  removeCluster(cluster: string): Promise<void> {
    return this.enqueue(() => this.removeBucket(quotaLedgerBucket(cluster)));
  }

  /** After a change of the tenant's quota or namespaces in `cluster` committed. */
  publish(tenant: string, cluster: string): Promise<void> {
    return this.enqueue(() => this.write(tenant, cluster));
  }

  /** After a tenant was deleted: its entry goes from every cluster's ledger. */
  forgetTenant(tenant: string): Promise<void> {
    return this.enqueue(async () => {
      for (const cluster of await this.clustersWithLedger()) await (await this.bucket(quotaLedgerBucket(cluster))).delete(tenant);
    });
  }

  private async resyncClusters(included: (cluster: string) => boolean): Promise<void> {
    const pairs = [...(await this.ledger.quotaPlacements()), ...(await this.hierarchy.namespacePlacements())].filter((pair) =>
      included(pair.cluster),
    );
    const known = new Map(pairs.map((pair) => [`${pair.cluster}/${pair.tenant}`, pair]));
    for (const { tenant, cluster } of known.values()) await this.write(tenant, cluster);
    for (const cluster of (await this.clustersWithLedger()).filter(included)) {
      await this.removeStale(await this.bucket(quotaLedgerBucket(cluster)), (tenant) => known.has(`${cluster}/${tenant}`));
    }
  }

  private async write(tenant: string, cluster: string): Promise<void> {
    // A change to a namespace or quota of an unregistered cluster: its ledger is gone and stays gone.
    if (!this.registered.mayHold(cluster)) return;
    const quota = await this.ledger.tenantQuota(tenant, cluster);
    const namespaces = (await this.hierarchy.namespacesOf(tenant)).filter((namespace) => namespace.cluster === cluster);
    const kv = await this.bucket(quotaLedgerBucket(cluster));
    if (!quota && namespaces.length === 0) {
      await kv.delete(tenant);
      return;
    }
    const entry: TenantLedgerEntry = {
      tenant,
      cluster,
      hard: quota?.hard ?? {},
      namespaces: Object.fromEntries(namespaces.map((namespace) => [namespace.name, namespace.quota ?? {}])),
      version: quota?.version ?? 0,
    };
    await kv.put(tenant, codec.encode(entry));
  }

  private async clustersWithLedger(): Promise<string[]> {
    const clusters: string[] = [];
    for await (const name of (await this.nats.jetstreamManager()).streams.names()) {
      if (name.startsWith(LEDGER_STREAM_PREFIX)) clusters.push(name.slice(LEDGER_STREAM_PREFIX.length));
    }
    return clusters;
  }
}
