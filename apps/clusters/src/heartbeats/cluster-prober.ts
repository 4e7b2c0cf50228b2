import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { VersionApi } from '@kubernetes/client-node';
import { classifyKubeCallFailure, parseKubeconfig, withDeadline } from '@cube/kube';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { ClustersEnvironment } from '../clusters-environment';
import { ClustersRepository, StoredCluster } from '../clusters/clusters.repository';
import { ClustersService } from '../clusters/clusters.service';
import { CredentialVault } from '../clusters/credential-vault';

/** Clusters probed at once, so that one round over many clusters stays within a few deadlines. */
const PROBE_CONCURRENCY = 8;

/**
 * The control plane's own view of each member (issue 7 `unreachable`): every
 * CUBE_CLUSTER_PROBE_INTERVAL seconds, `GET /version` with the stored credentials. A failed probe
 * turns the cluster `unreachable`; a later success returns it to `normal` when Warden's heartbeats
 * are fresh, else `abnormal` (heard from before) or `pending` (never). Heartbeats alone never end
 * `unreachable`: Warden reaching NATS says nothing about Cube reaching the API server.
 */
@Injectable()
export class ClusterProber implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ClusterProber.name);
  private timer: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(
    @Inject(SERVICE_ENVIRONMENT) private readonly env: ClustersEnvironment,
    private readonly clusters: ClustersRepository,
    private readonly vault: CredentialVault,
    private readonly service: ClustersService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.round(), this.env.CUBE_CLUSTER_PROBE_INTERVAL * 1000);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One probe of every cluster; a round still running when the next is due is not doubled. */
  async round(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      const queue = await this.clusters.all();
      const worker = async () => {
        for (let cluster = queue.shift(); cluster; cluster = queue.shift()) await this.probe(cluster);
      };
      await Promise.all(Array.from({ length: PROBE_CONCURRENCY }, worker));
    } catch (error: unknown) {
      this.logger.error({ err: error }, 'could not probe the registered clusters');
    } finally {
      this.probing = false;
    }
  }

  private async probe(cluster: StoredCluster): Promise<void> {
    let failure: string | null = null;
    try {
      const { kubeconfig } = this.vault.open(cluster.credentials, cluster.credentialsKeyId, cluster.name);
      await withDeadline(
        parseKubeconfig(kubeconfig).makeApiClient(VersionApi).getCode(),
        this.env.CUBE_CLUSTER_CONNECT_TIMEOUT_MS,
        '/version',
      );
    } catch (error: unknown) {
      failure = classifyKubeCallFailure(error);
    }
    try {
      const transitions = await this.service.changeStatus((tx) =>
        failure
          ? this.clusters.markUnreachable(cluster.name, tx)
          : this.clusters.markReachable(cluster.name, this.env.CUBE_HEARTBEAT_TIMEOUT * 1000, tx),
      );
      if (failure && transitions.length > 0) this.logger.warn({ cluster: cluster.name, failure }, 'cluster probe failed');
    } catch (error: unknown) {
      this.logger.error({ err: error, cluster: cluster.name }, 'could not record a cluster probe');
    }
  }
}
