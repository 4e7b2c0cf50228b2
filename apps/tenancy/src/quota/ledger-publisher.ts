import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { JSONCodec, KV, NatsConnection, StorageType } from 'nats';
import { quotaLedgerBucket, TenantLedgerEntry } from '@cube/contracts';
import { JETSTREAM_CONNECTION } from '@cube/messaging';
import { HierarchyRepository } from '../hierarchy/hierarchy.repository';
import { QuotaLedgerRepository } from './quota-ledger.repository';

const codec = JSONCodec<TenantLedgerEntry>();
const LEDGER_STREAM_PREFIX = `KV_${quotaLedgerBucket('')}`;

/**
 * Copies the quota ledger to each member cluster's bucket `cube-ledger-<cluster>` (key: tenant), from
 * which Warden's validating webhook checks direct ResourceQuota changes (ARCHITECTURE.md, quota).
 * Each publish reads the committed rows again, and publishes run one at a time, so the last
 * publish of a (tenant, cluster) always carries the latest state whatever order the triggers came in.
 */
@Injectable()
export class LedgerPublisher implements OnApplicationBootstrap {
  private readonly logger = new Logger(LedgerPublisher.name);
  private readonly buckets = new Map<string, Promise<KV>>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ledger: QuotaLedgerRepository,
    private readonly hierarchy: HierarchyRepository,
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
  ) {}

  /** At start: every (tenant, cluster) the database knows, and no entry it does not know. */
  async onApplicationBootstrap(): Promise<void> {
    await this.enqueue(async () => {
      const pairs = [...(await this.ledger.quotaPlacements()), ...(await this.hierarchy.namespacePlacements())];
      const known = new Map(pairs.map((pair) => [`${pair.cluster}/${pair.tenant}`, pair]));
      for (const { tenant, cluster } of known.values()) await this.write(tenant, cluster);
      for (const cluster of await this.clustersWithLedger()) {
        const kv = await this.bucket(cluster);
        // Keys first, then the deletes: nats.js ends a keys() iteration early when its loop body awaits.
        const tenants: string[] = [];
        for await (const tenant of await kv.keys()) tenants.push(tenant);
        for (const tenant of tenants) if (!known.has(`${cluster}/${tenant}`)) await kv.delete(tenant);
      }
    });
  }

  /** Creates the cluster's ledger bucket (empty until a tenant has quota or namespaces there). */
  async prepare(cluster: string): Promise<void> {
    await this.bucket(cluster);
  }

  /** After a change of the tenant's quota or namespaces in `cluster` committed. */
  publish(tenant: string, cluster: string): Promise<void> {
    return this.enqueue(() => this.write(tenant, cluster));
  }

  /** After a tenant was deleted: its entry goes from every cluster's ledger. */
  forgetTenant(tenant: string): Promise<void> {
    return this.enqueue(async () => {
      for (const cluster of await this.clustersWithLedger()) await (await this.bucket(cluster)).delete(tenant);
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step).catch((error: unknown) => {
      // Tenancy's next start republishes everything; until then Warden keeps the previous entry.
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not publish the quota ledger');
    });
    this.queue = next;
    return next;
  }

  private async write(tenant: string, cluster: string): Promise<void> {
    const quota = await this.ledger.tenantQuota(tenant, cluster);
    const namespaces = (await this.hierarchy.namespacesOf(tenant)).filter((namespace) => namespace.cluster === cluster);
    const kv = await this.bucket(cluster);
    if (!quota && namespaces.length === 0) {
      await kv.delete(tenant);
      return;
    }
    const entry: TenantLedgerEntry = {
      tenant,
      cluster,
      hard: quota?.hard ?? {},
      namespaces: Object.fromEntries(namespaces.map((namespace) => [namespace.name, namespace.quota ?? {}])),
      version: quota?.version ?? 0,
    };
    await kv.put(tenant, codec.encode(entry));
  }

  private async clustersWithLedger(): Promise<string[]> {
    const clusters: string[] = [];
    for await (const name of (await this.nats.jetstreamManager()).streams.names()) {
      if (name.startsWith(LEDGER_STREAM_PREFIX)) clusters.push(name.slice(LEDGER_STREAM_PREFIX.length));
    }
    return clusters;
  }

  private bucket(cluster: string): Promise<KV> {
    let kv = this.buckets.get(cluster);
    if (!kv) {
      kv = this.nats.jetstream().views.kv(quotaLedgerBucket(cluster), { history: 1, storage: StorageType.File });
      kv.catch(() => this.buckets.delete(cluster));
      this.buckets.set(cluster, kv);
    }
    return kv;
  }
}
