import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CubeEvent, eventSubject, RoleBinding } from '@cube/contracts';
import { DurableSubscribers, RecentEventIds } from '@cube/messaging';
import { RoleBindingsProjection } from '../access/role-bindings.projection';
import { LedgerPublisher } from '../quota/ledger-publisher';
import { DesiredStateWriter } from './desired-state-writer';

/**
 * The registered member clusters, and the platform-scope ClusterRoleBindings each of them holds
 * (issue #7). Clusters are learnt from the clusters service: its list at start (asked by the
 * desired-state resync, which calls `seed`) and its `registered`/`deleted` events after. A newly
 * registered cluster gets every cluster-wide object at once, namespaces or not.
 *
 * Changes run one at a time (`exclusive`): a cluster registered while a platform binding is deleted
 * must not get the binding back from a projection read before the deletion.
 */
@Injectable()
export class MemberClusters implements OnApplicationBootstrap {
  private readonly logger = new Logger(MemberClusters.name);
  private readonly known = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly bindings: RoleBindingsProjection,
    private readonly desired: DesiredStateWriter,
    private readonly subscribers: DurableSubscribers,
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

  /** Clusters the clusters service listed as registered. */
  seed(clusters: string[]): void {
    for (const cluster of clusters) this.known.add(cluster);
  }

  platformBindingAdded(binding: RoleBinding): Promise<void> {
    return this.exclusive(async () => {
      for (const cluster of this.known) await this.desired.addClusterRoleBinding(cluster, binding);
    });
  }

  platformBindingRemoved(binding: RoleBinding): Promise<void> {
    return this.exclusive(async () => {
      for (const cluster of this.known) await this.desired.removeClusterRoleBinding(cluster, binding);
    });
  }

  /** Runs `work` after every change queued before it, and before those queued after it. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(event: CubeEvent): Promise<void> {
    const cluster = event.entity.name;
    if (event.type === 'clusters.cluster.registered') {
      this.known.add(cluster);
      await this.exclusive(async () => this.desired.writeClusterWide(cluster, await this.bindings.platformBindings()));
      // The quota ledger's bucket exists before any tenant is in the cluster, so the cluster's Warden
      // binds and watches it from its start instead of retrying for it.
      await this.ledger.prepare(cluster);
      this.logger.log({ cluster }, 'cluster-wide desired state written for a registered cluster');
    } else if (event.type === 'clusters.cluster.deleted' || event.type === 'clusters.cluster.unregistered') {
      this.known.delete(cluster);
    }
  }
}
