import { DynamicModule, Module } from '@nestjs/common';
import { ServiceBusModule } from '@cube/messaging';
import { MemberCluster } from './agent/member-cluster';
import { MEMBER_CLUSTER } from './agent/member-cluster.provider';
import { SyncStatus } from './agent/sync-status';
import { AuditForwarding } from './audit/audit-forwarding';
import { AutonomySync, WARDEN_AUTONOMY } from './autonomy/autonomy-sync';
import { WardenAutonomy } from './autonomy/warden-autonomy';
import { HeartbeatReporter } from './heartbeat/heartbeat-reporter';
import { WARDEN_SYNC_METRICS_PROVIDER } from './reconciler/desired-state.metrics';
import { DesiredStateSync } from './reconciler/desired-state-sync';

/** Warden for one member cluster: heartbeats, desired state applied to the cluster, the webhooks' state kept current, native audit forwarded. */
@Module({})
export class WardenModule {
  static forCluster(cluster: MemberCluster, autonomy: WardenAutonomy): DynamicModule {
    return {
      module: WardenModule,
      // The JWKS is asked of identity through it.
      imports: [ServiceBusModule.forService('warden')],
      providers: [
        { provide: MEMBER_CLUSTER, useValue: cluster },
        { provide: WARDEN_AUTONOMY, useValue: autonomy },
        SyncStatus,
        HeartbeatReporter,
        DesiredStateSync,
        AutonomySync,
        AuditForwarding,
        WARDEN_SYNC_METRICS_PROVIDER,
      ],
    };
  }
}
