import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CubeEvent, eventSubject } from '@cube/contracts';
import { DurableSubscribers, RecentEventIds } from '@cube/messaging';
import { ClusterRegistry } from '../quota/cluster-registry';
import { LedgerPublisher } from '../quota/ledger-publisher';
import { RegisteredClusters } from '../shared/registered-clusters';
import { DesiredStateResync } from './desired-state-resync';

/**
 * Tenancy's per-cluster buckets follow the clusters service's `registered`/`deleted` events: a
 * registered cluster gets `cube-desired-<cluster>` (every cluster-wide object at once, namespaces or
 * not, and those of its namespaces the database still holds) and `cube-ledger-<cluster>` (created
 * before any tenant is there, so the cluster's Warden binds it from its start); an unregistered one
 * loses both, every key with them. A cluster registered again under the same name starts from what
 * the database says, not from what its old buckets held.
 */
@Injectable()
export class ClusterLifecycle implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClusterLifecycle.name);

  constructor(
    private readonly subscribers: DurableSubscribers,
    private readonly registered: RegisteredClusters,
    private readonly registry: ClusterRegistry,
    private readonly desired: DesiredStateResync,
    private readonly ledger: LedgerPublisher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const subscriber = this.subscribers.create<CubeEvent>({
      durableName: 'tenancy-member-clusters',
      filterSubjects: eventSubject('clusters', 'cluster', '*'),
      maxDeliver: -1,
      recentIds: new RecentEventIds(),
    });
    await subscriber.start((event) => this.apply(event));
  }

  /** One cluster event; a failure is redelivered (the subscriber has no delivery limit). */
  async apply(event: CubeEvent): Promise<void> {
    const cluster = event.entity.name;
    if (event.type === 'clusters.cluster.registered') {
      this.registered.add(cluster);
      const report = await this.desired.resyncCluster(cluster);
      await this.ledger.resyncCluster(cluster);
      this.logger.log({ cluster, ...report }, 'desired state and quota ledger written for a registered cluster');
    } else if (event.type === 'clusters.cluster.deleted') {
      // A deletion handled late, after the name was registered again: the registration's own event
      // rewrites the buckets from the database (its keys of the old cluster included), so they stay.
      if (await this.registry.isRegistered(cluster)) return;
      this.registered.remove(cluster);
      await this.desired.removeCluster(cluster);
      await this.ledger.removeCluster(cluster);
      this.logger.log({ cluster }, "an unregistered cluster's desired state and quota ledger buckets deleted");
    }
  }
}
