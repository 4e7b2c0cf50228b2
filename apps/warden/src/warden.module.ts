import { DynamicModule, Module } from '@nestjs/common';
import { MemberCluster } from './agent/member-cluster';
import { MEMBER_CLUSTER } from './agent/member-cluster.provider';
import { SyncStatus } from './agent/sync-status';
import { HeartbeatReporter } from './heartbeat/heartbeat-reporter';
import { DesiredStateSync } from './reconciler/desired-state-sync';

/** Warden for one member cluster: heartbeats to the control plane, desired state applied to the cluster. */
@Module({})
export class WardenModule {
  static forCluster(cluster: MemberCluster): DynamicModule {
    return {
      module: WardenModule,
      providers: [{ provide: MEMBER_CLUSTER, useValue: cluster }, SyncStatus, HeartbeatReporter, DesiredStateSync],
    };
  }
}
