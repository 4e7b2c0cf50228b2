import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Actor, ClustersSubjects, ClusterView, CubeEvent, eventSubject, Page } from '@cube/contracts';
import { DesiredStateStores, DurableSubscribers, RecentEventIds, ServiceRequester } from '@cube/messaging';
import { ConfigurationRepository } from '../configuration/configuration.repository';
import { HotplugEvents } from '../shared/hotplug-events';
import { ClusterComponentsRepository } from '../status/cluster-components.repository';
import { ComponentDelivery } from './component-delivery';

const HOTPLUG: Actor = { kind: 'system', name: 'cube-hotplug' };

/**
 * The registered member clusters, learnt from the clusters service: its list at start (every
 * cluster then gets every component delivered again, which writes only what differs) and its
 * `cube.events.clusters.cluster.*` events after. A registered cluster gets its components at once;
 * a deleted one's overrides and states are forgotten. Its bucket `cube-desired-<cluster>` is deleted by
 * tenancy, which owns it; this service only forgets its handle to it, so a cluster registered again
 * under the same name gets a new bucket rather than writes into a deleted one.
 */
@Injectable()
export class MemberClusters implements OnApplicationBootstrap {
  private readonly logger = new Logger(MemberClusters.name);
  private readonly known = new Set<string>();

  constructor(
    private readonly bus: ServiceRequester,
    private readonly subscribers: DurableSubscribers,
    private readonly delivery: ComponentDelivery,
    private readonly configuration: ConfigurationRepository,
    private readonly states: ClusterComponentsRepository,
    private readonly events: HotplugEvents,
    private readonly stores: DesiredStateStores,
  ) {}

  get clusters(): ReadonlySet<string> {
    return this.known;
  }

  async onApplicationBootstrap(): Promise<void> {
    const subscriber = this.subscribers.create<CubeEvent>({
      durableName: 'hotplug-member-clusters',
      filterSubjects: eventSubject('clusters', 'cluster', '*'),
      maxDeliver: -1,
      recentIds: new RecentEventIds(),
    });
    await subscriber.start((event) => this.apply(event));
    void this.seed();
  }

  /** Lists the clusters until the clusters service answers, then delivers to each. */
  private async seed(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const names: string[] = [];
        let cursor: string | null = null;
        do {
          const page: Page<ClusterView> = await this.bus.request(ClustersSubjects.list, {
            actor: HOTPLUG,
            requestId: '',
            payload: { limit: 500, ...(cursor ? { cursor } : {}) },
          });
          names.push(...page.items.map((cluster) => cluster.name));
          cursor = page.nextCursor;
        } while (cursor);
        for (const name of names) this.known.add(name);
        for (const name of names) await this.delivery.deliverCluster(name);
        this.logger.log({ clusters: names.length }, 'components delivered to every registered cluster');
        return;
      } catch (error: unknown) {
        this.logger.warn(
          { err: error instanceof Error ? error.message : String(error), attempt },
          'could not list the registered clusters yet; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * attempt)));
      }
    }
  }

  private async apply(event: CubeEvent): Promise<void> {
    const cluster = event.entity.name;
    if (event.type === 'clusters.cluster.registered') {
      this.known.add(cluster);
      await this.delivery.deliverCluster(cluster);
    } else if (event.type === 'clusters.cluster.deleted') {
      this.known.delete(cluster);
      this.stores.forget(cluster);
      await this.events.transaction(async (tx) => {
        await this.configuration.forgetCluster(tx, cluster);
        await this.states.forgetCluster(tx, cluster);
      });
    }
  }
}
