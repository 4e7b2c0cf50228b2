import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JSONCodec, NatsConnection } from 'nats';
import { ClusterHeartbeat, ClustersSubjects, ComponentReport } from '@cube/contracts';
import { JETSTREAM_CONNECTION } from '@cube/messaging';
import { CUBE_VERSION } from '@cube/observability';
import { SERVICE_ENVIRONMENT, WardenEnvironment } from '@cube/service-runtime';
import { MemberCluster } from '../agent/member-cluster';
import { MEMBER_CLUSTER } from '../agent/member-cluster.provider';
import { SyncStatus } from '../agent/sync-status';
import { WARDEN_AUTONOMY } from '../autonomy/autonomy-sync';
import { WardenAutonomy } from '../autonomy/warden-autonomy';
import { ClusterObservation, ClusterObserver } from './cluster-observer';
import { ComponentReports } from './component-reports';

const codec = JSONCodec<ClusterHeartbeat>();

/**
 * Publishes `cube.clusters.<id>.heartbeat` every CUBE_HEARTBEAT_INTERVAL seconds on core NATS: a
 * lost beat is replaced by the next. When the kube-apiserver does not answer, Warden still beats
 * (it is alive) with the last observation and the failure among its errors.
 */
@Injectable()
export class HeartbeatReporter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(HeartbeatReporter.name);
  private readonly observer: ClusterObserver;
  private readonly componentReports: ComponentReports;
  private components: ComponentReport[] = [];
  private last: ClusterObservation = { kubernetesVersion: '', nodes: 0, capacity: {}, quotas: [] };
  private timer: NodeJS.Timeout | undefined;
  private beating = false;

  constructor(
    @Inject(MEMBER_CLUSTER) private readonly cluster: MemberCluster,
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: WardenEnvironment,
    private readonly sync: SyncStatus,
    @Inject(WARDEN_AUTONOMY) private readonly autonomy: WardenAutonomy,
  ) {
    this.observer = new ClusterObserver(cluster.kubeConfig);
    this.componentReports = new ComponentReports(cluster.kubeConfig);
  }

  onApplicationBootstrap(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.env.CUBE_HEARTBEAT_INTERVAL * 1000);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async beat(): Promise<void> {
    if (this.beating || this.nats.isClosed()) return;
    this.beating = true;
    const syncErrors = this.sync.current();
    try {
      this.last = await this.observer.observe();
      this.components = await this.componentReports.report(this.autonomy.desired.snapshot(), this.sync);
    } catch (error: unknown) {
      const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      syncErrors.push({ key: 'kube-apiserver', message: `cannot observe the cluster: ${message}`, attempts: 1 });
    }
    try {
      const heartbeat: ClusterHeartbeat = {
        clusterId: this.cluster.settings.clusterId,
        wardenVersion: CUBE_VERSION,
        ...this.last,
        syncErrors,
        appliedRevision: this.sync.appliedRevision,
        components: this.components,
        at: new Date().toISOString(),
      };
      this.nats.publish(ClustersSubjects.heartbeat(heartbeat.clusterId), codec.encode(heartbeat));
    } catch (error: unknown) {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not publish a heartbeat');
    } finally {
      this.beating = false;
    }
  }
}
