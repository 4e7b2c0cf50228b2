import { Injectable, OnModuleInit } from '@nestjs/common';
import { CubeMetrics, registerClusterHealth } from '@cube/observability';
import { ClustersRepository } from '../clusters/clusters.repository';

/**
 * Per member cluster, from the registry at each scrape: `cube_cluster_status`, the age of Warden's
 * last heartbeat and the sync errors it reported. Every replica reports the same rows (the table is
 * shared): dashboards take `max by (cluster)`.
 */
@Injectable()
export class ClusterHealthMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: CubeMetrics,
    private readonly clusters: ClustersRepository,
  ) {}

  onModuleInit(): void {
    registerClusterHealth(this.metrics, async () =>
      (await this.clusters.health()).map(({ name, ...health }) => ({ cluster: name, ...health })),
    );
  }
}
