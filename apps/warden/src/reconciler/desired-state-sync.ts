import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SERVICE_ENVIRONMENT, WardenEnvironment } from '@cube/service-runtime';
import { MemberCluster } from '../agent/member-cluster';
import { MEMBER_CLUSTER } from '../agent/member-cluster.provider';
import { SyncStatus } from '../agent/sync-status';
import { WARDEN_AUTONOMY } from '../autonomy/autonomy-sync';
import { WardenAutonomy } from '../autonomy/warden-autonomy';
import { DesiredStateReconciler } from './desired-state-reconciler';

/**
 * Runs the reconciler for this Warden's cluster on the autonomy mirror of `cube-desired-<cluster>`:
 * the mirror reads the bucket again after every NATS reconnect, and each read reaches the reconciler
 * as a snapshot, so a reconnect resyncs fully without a second watch of the bucket.
 */
@Injectable()
export class DesiredStateSync implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DesiredStateSync.name);
  private reconciler: DesiredStateReconciler | undefined;

  constructor(
    @Inject(MEMBER_CLUSTER) private readonly cluster: MemberCluster,
    @Inject(WARDEN_AUTONOMY) private readonly autonomy: WardenAutonomy,
    private readonly sync: SyncStatus,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: WardenEnvironment,
  ) {}

  onApplicationBootstrap(): void {
    this.reconciler = new DesiredStateReconciler({
      desired: this.autonomy.desired,
      kubeConfig: this.cluster.kubeConfig,
      sync: this.sync,
      logger: this.logger,
      concurrency: this.env.CUBE_WARDEN_APPLY_CONCURRENCY,
    });
    this.reconciler.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.reconciler?.stop();
  }
}
