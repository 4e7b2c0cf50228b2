import { Module } from '@nestjs/common';
import { ServiceBusModule } from '@cube/messaging';
import { PlatformAbilities } from '@cube/service-runtime';
import { ClusterAuditToken } from './clusters/cluster-audit-token';
import { ClusterEvents } from './clusters/cluster-events';
import { ClustersHandler } from './clusters/clusters.handler';
import { ClustersRepository } from './clusters/clusters.repository';
import { ClustersService } from './clusters/clusters.service';
import { CredentialVault } from './clusters/credential-vault';
import { ClusterHealthMetrics } from './heartbeats/cluster-health.metrics';
import { ClusterProber } from './heartbeats/cluster-prober';
import { HeartbeatMonitor } from './heartbeats/heartbeat-monitor';
import { WardenInstaller } from './install/warden-installer';

/** The member-cluster registry: sealed credentials, Warden install, heartbeats and health. */
@Module({
  imports: [ServiceBusModule.forService('clusters')],
  controllers: [ClustersHandler],
  providers: [
    PlatformAbilities,
    ClusterEvents,
    ClustersRepository,
    CredentialVault,
    WardenInstaller,
    ClusterAuditToken,
    ClustersService,
    HeartbeatMonitor,
    ClusterProber,
    ClusterHealthMetrics,
  ],
})
export class ClustersModule {}
