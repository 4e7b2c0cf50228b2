import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { DesiredStateStores, JETSTREAM_CONNECTION } from '@cube/messaging';
import { MemberCluster } from '../agent/member-cluster';
import { MEMBER_CLUSTER } from '../agent/member-cluster.provider';
import { SyncStatus } from '../agent/sync-status';
import { DesiredStateReconciler } from './desired-state-reconciler';

/** Runs the reconciler for this Warden's cluster, and resyncs fully after every NATS reconnect. */
@Injectable()
export class DesiredStateSync implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DesiredStateSync.name);
  private reconciler: DesiredStateReconciler | undefined;
  private stopped = false;

  constructor(
    @Inject(MEMBER_CLUSTER) private readonly cluster: MemberCluster,
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
    private readonly stores: DesiredStateStores,
    private readonly sync: SyncStatus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const store = await this.stores.open<unknown>(this.cluster.settings.clusterId);
    this.reconciler = new DesiredStateReconciler({ store, kubeConfig: this.cluster.kubeConfig, sync: this.sync, logger: this.logger });
    this.reconciler.start();
    void (async () => {
      for await (const status of this.nats.status()) {
        if (this.stopped) break;
        if (status.type === 'reconnect') this.reconciler?.resyncNow();
      }
    })();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.reconciler?.stop();
  }
}
