import { Inject, Injectable } from '@nestjs/common';
import { JSONCodec, NatsConnection } from 'nats';
import { quotaLedgerBucket, TenantLedgerEntry } from '@cube/contracts';
import { JETSTREAM_CONNECTION, KvProjection } from '@cube/messaging';
import { HierarchyRepository } from '../hierarchy/hierarchy.repository';
import { QuotaLedgerRepository } from './quota-ledger.repository';

const codec = JSONCodec<TenantLedgerEntry>();
const LEDGER_STREAM_PREFIX = `KV_${quotaLedgerBucket('')}`;

/**
 * Copies the quota ledger to each member cluster's bucket `cube-ledger-<cluster>` (key: tenant), from
 * which Warden's validating webhook checks direct ResourceQuota changes (ARCHITECTURE.md, quota).
 * Each publish reads the committed rows again, and publishes run one at a time (`KvProjection`), so the
 * last publish of a (tenant, cluster) always carries the latest state whatever order the triggers came in.
 */
@Injectable()
export class LedgerPublisher extends KvProjection {
  constructor(
    private readonly ledger: QuotaLedgerRepository,
    private readonly hierarchy: HierarchyRepository,
    @Inject(JETSTREAM_CONNECTION) nats: NatsConnection,
  ) {
    super(nats, { what: 'the quota ledger' });
  }

  /** Every (tenant, cluster) the database knows, and no entry it does not know. */
  protected async resync(): Promise<void> {
    const pairs = [...(await this.ledger.quotaPlacements()), ...(await this.hierarchy.namespacePlacements())];
    const known = new Map(pairs.map((pair) => [`${pair.cluster}/${pair.tenant}`, pair]));
    for (const { tenant, cluster } of known.values()) await this.write(tenant, cluster);
    for (const cluster of await this.clustersWithLedger()) {
      await this.removeStale(await this.bucket(quotaLedgerBucket(cluster)), (tenant) => known.has(`${cluster}/${tenant}`));
    }
  }

  /** Creates the cluster's ledger bucket (empty until a tenant has quota or namespaces there). */
  async prepare(cluster: string): Promise<void> {
    await this.bucket(quotaLedgerBucket(cluster));
  }

  /** After a change of the tenant's quota or namespaces in `cluster` committed. */
  publish(tenant: string, cluster: string): Promise<void> {
    return this.enqueue(() => this.write(tenant, cluster));
  }

  /** After a tenant was deleted: its entry goes from every cluster's ledger. */
  forgetTenant(tenant: string): Promise<void> {
    return this.enqueue(async () => {
      for (const cluster of await this.clustersWithLedger()) await (await this.bucket(quotaLedgerBucket(cluster))).delete(tenant);
    });
  }

  private async write(tenant: string, cluster: string): Promise<void> {
    const quota = await this.ledger.tenantQuota(tenant, cluster);
    const namespaces = (await this.hierarchy.namespacesOf(tenant)).filter((namespace) => namespace.cluster === cluster);
    const kv = await this.bucket(quotaLedgerBucket(cluster));
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
}
