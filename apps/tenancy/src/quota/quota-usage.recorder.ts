import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JSONCodec, NatsConnection, Subscription } from 'nats';
import { ClusterHeartbeat, ClustersSubjects, formatQuantity, parseQuantity, queueGroupOf } from '@cube/contracts';
import { JETSTREAM_CONNECTION, NewestPerKey } from '@cube/messaging';
import { HardMap } from './quota-ledger';
import { QuotaUsageRepository } from './quota-usage.repository';

const codec = JSONCodec<unknown>();
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Keeps `tenancy.quota_usage` (what each namespace's ResourceQuotas use, per cluster) from the
 * heartbeats Warden sends. Tenancy listens itself, in its own queue group, rather than asking the
 * clusters service on every `GET /tenants/{t}/quotas`: the ledger's reads then use local rows
 * (no cross-service call per request), and usage is data about tenancy's own namespaces.
 * The clusters service still owns cluster health; this is a second reader of the same heartbeat.
 */
@Injectable()
export class QuotaUsageRecorder implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(QuotaUsageRecorder.name);
  private subscription: Subscription | undefined;
  /** One heartbeat per cluster recorded at a time, only the newest of those arriving meanwhile (as the clusters service stores them). */
  private readonly recording = new NewestPerKey<{ cluster: string; quotas: readonly unknown[]; at: Date }>(
    async ({ cluster, quotas, at }) => {
      try {
        await this.record(cluster, usageByNamespace(quotas), at);
      } catch (error: unknown) {
        this.logger.warn({ err: error, cluster }, 'could not record the quota usage of a heartbeat');
      }
    },
  );

  constructor(
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
    private readonly usage: QuotaUsageRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.nats.subscribe(ClustersSubjects.heartbeatWildcard, {
      queue: queueGroupOf('tenancy'),
      callback: (error, message) => {
        if (error) return;
        void this.receive(message.subject, message.data);
      },
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  private async receive(subject: string, data: Uint8Array): Promise<void> {
    let heartbeat: Partial<ClusterHeartbeat>;
    try {
      heartbeat = codec.decode(data) as Partial<ClusterHeartbeat>;
    } catch {
      return;
    }
    const clusterId = heartbeat?.clusterId;
    if (typeof clusterId !== 'string' || subject !== ClustersSubjects.heartbeat(clusterId) || !Array.isArray(heartbeat.quotas)) return;
    const at = typeof heartbeat.at === 'string' && !Number.isNaN(Date.parse(heartbeat.at)) ? new Date(heartbeat.at) : new Date();
    await this.recording.submit(clusterId, { cluster: clusterId, quotas: heartbeat.quotas, at });
  }

  /** Replaces the cluster's usage with the heartbeat's. */
  record(cluster: string, usage: Map<string, HardMap>, at: Date): Promise<void> {
    return this.usage.replaceClusterUsage(cluster, usage, at);
  }
}

/**
 * One `used` map per namespace. Several ResourceQuotas in one namespace each report the same
 * namespace-wide usage of a resource they both limit (Kubernetes counts usage per namespace), so
 * they are merged by taking the larger figure, never added. Malformed entries are skipped.
 */
export function usageByNamespace(quotas: readonly unknown[]): Map<string, HardMap> {
  const merged = new Map<string, Map<string, bigint>>();
  for (const entry of quotas) {
    const quota = entry as { namespace?: unknown; used?: unknown } | null;
    if (!quota || typeof quota.namespace !== 'string' || !DNS_LABEL.test(quota.namespace)) continue;
    if (typeof quota.used !== 'object' || quota.used === null) continue;
    const amounts = merged.get(quota.namespace) ?? new Map<string, bigint>();
    for (const [resource, text] of Object.entries(quota.used as Record<string, unknown>)) {
      if (typeof text !== 'string') continue;
      let amount: bigint;
      try {
        amount = parseQuantity(text);
      } catch {
        continue;
      }
      const previous = amounts.get(resource);
      if (previous === undefined || amount > previous) amounts.set(resource, amount);
    }
    merged.set(quota.namespace, amounts);
  }
  return new Map(
    [...merged].map(([namespace, amounts]) => [namespace, Object.fromEntries([...amounts].map(([r, a]) => [r, formatQuantity(a)]))]),
  );
}
