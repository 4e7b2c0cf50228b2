import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JSONCodec, NatsConnection, Subscription } from 'nats';
import { ClusterHeartbeat, ClustersSubjects, queueGroupOf } from '@cube/contracts';
import { sumResourceLists } from '@cube/kube';
import { JETSTREAM_CONNECTION, NewestPerKey } from '@cube/messaging';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { ClustersEnvironment } from '../clusters-environment';
import { ClustersRepository } from '../clusters/clusters.repository';
import { ClustersService } from '../clusters/clusters.service';

const codec = JSONCodec<unknown>();

function isHeartbeat(value: unknown): value is ClusterHeartbeat {
  const candidate = value as Partial<ClusterHeartbeat> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.clusterId === 'string' &&
    typeof candidate.wardenVersion === 'string' &&
    typeof candidate.kubernetesVersion === 'string' &&
    typeof candidate.nodes === 'number' &&
    Array.isArray(candidate.quotas) &&
    Array.isArray(candidate.syncErrors)
  );
}

/**
 * The health state machine (issue 7): `pending` → `normal` on the first heartbeat, `normal` →
 * `abnormal` after CUBE_HEARTBEAT_TIMEOUT without one, back to `normal` on the next. Heartbeats
 * arrive on core NATS in the service's queue group; the sweep is a conditional UPDATE, so several
 * replicas never announce the same transition twice.
 */
@Injectable()
export class HeartbeatMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(HeartbeatMonitor.name);
  private subscription: Subscription | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping = false;
  /**
   * One heartbeat per cluster is stored at a time; of those that arrive meanwhile only the newest
   * waits (a heartbeat replaces the previous one entirely), so a busy database never builds a queue
   * of stale ones and the status shows the newest beat as soon as it can.
   */
  private readonly storing = new NewestPerKey<ClusterHeartbeat>((heartbeat) => this.store(heartbeat));

  constructor(
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: ClustersEnvironment,
    private readonly clusters: ClustersRepository,
    private readonly service: ClustersService,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.nats.subscribe(ClustersSubjects.heartbeatWildcard, {
      queue: queueGroupOf('clusters'),
      callback: (error, message) => {
        if (error) return;
        void this.receive(message.subject, message.data);
      },
    });
    const timeoutMs = this.env.CUBE_HEARTBEAT_TIMEOUT * 1000;
    // A quarter of the timeout keeps detection within 1.25 × the timeout.
    this.sweeper = setInterval(() => void this.sweep(timeoutMs), Math.max(100, Math.min(5000, timeoutMs / 4)));
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    this.subscription?.unsubscribe();
  }

  private async receive(subject: string, data: Uint8Array): Promise<void> {
    let heartbeat: unknown;
    try {
      heartbeat = codec.decode(data);
    } catch {
      this.logger.warn({ subject }, 'dropped a heartbeat that is not JSON');
      return;
    }
    if (!isHeartbeat(heartbeat) || subject !== ClustersSubjects.heartbeat(heartbeat.clusterId)) {
      this.logger.warn({ subject }, 'dropped a malformed heartbeat');
      return;
    }
    await this.storing.submit(heartbeat.clusterId, heartbeat);
  }

  private async store(heartbeat: ClusterHeartbeat): Promise<void> {
    try {
      const allocated = sumResourceLists(heartbeat.quotas.map((quota) => quota.hard));
      if (await this.clusters.refreshHeartbeat(heartbeat, allocated)) return;
      await this.service.changeStatus((tx) => this.clusters.recordHeartbeat(heartbeat, allocated, tx));
    } catch (error: unknown) {
      this.logger.error({ err: error, cluster: heartbeat.clusterId }, 'could not record a heartbeat');
    }
  }

  private async sweep(timeoutMs: number): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.service.changeStatus((tx) => this.clusters.markSilentAbnormal(timeoutMs, tx));
    } catch (error: unknown) {
      this.logger.error({ err: error }, 'could not check cluster heartbeats');
    } finally {
      this.sweeping = false;
    }
  }
}
