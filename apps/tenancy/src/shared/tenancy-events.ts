import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, Namespace, Project, QuotaChange, Tenant } from '@cube/contracts';
import { EventPublisher, ServiceEventOutbox } from '@cube/messaging';
import { LedgerPublisher } from '../quota/ledger-publisher';
import { inTransaction } from './transactions';

type Change = 'created' | 'updated' | 'deleted';

/** What Warden's copy of the quota ledger must learn once a transaction committed (issue #7). */
interface LedgerRefresh {
  pairs: Map<string, { tenant: string; cluster: string }>;
  forgottenTenants: Set<string>;
}

/**
 * The tenancy events of the catalogue (`cube.events.tenancy.*`), written into tenancy's outbox in the
 * transaction of the change (`tx`) and relayed to CUBE_EVENTS once it committed. The quota ledger
 * Warden's webhook reads (`cube-ledger-<cluster>`) is republished after the commit too: it reads the
 * committed rows, so it must not run inside the transaction.
 */
@Injectable()
export class TenancyEvents extends ServiceEventOutbox<EntityManager> {
  /** Per transaction attempt (a retried attempt's entry is simply never read). */
  private readonly ledgerRefreshes = new WeakMap<EntityManager, LedgerRefresh>();

  constructor(
    private readonly dataSource: DataSource,
    publisher: EventPublisher,
    private readonly ledger: LedgerPublisher,
  ) {
    super(dataSource, publisher, 'tenancy');
  }

  /** Tenancy's transactions retry deadlocks and serialization failures (`inTransaction`); events leave after the commit. */
  override async transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    let committed: LedgerRefresh | undefined;
    const result = await super.transaction(
      async (tx) => {
        const refresh: LedgerRefresh = { pairs: new Map(), forgottenTenants: new Set() };
        this.ledgerRefreshes.set(tx, refresh);
        committed = refresh;
        return work(tx);
      },
      (w) => inTransaction(this.dataSource, w),
    );
    if (committed) {
      for (const tenant of committed.forgottenTenants) await this.ledger.forgetTenant(tenant);
      for (const { tenant, cluster } of committed.pairs.values()) await this.ledger.publish(tenant, cluster);
    }
    return result;
  }

  private refreshLedger(tx: EntityManager, tenant: string, cluster: string): void {
    this.ledgerRefreshes.get(tx)?.pairs.set(`${cluster}/${tenant}`, { tenant, cluster });
  }

  async tenant(tx: EntityManager, actor: Actor, event: Change, tenant: Tenant): Promise<void> {
    await this.add(tx, {
      actor,
      entityKind: 'tenant',
      event,
      entity: { kind: 'Tenant', name: tenant.name },
      version: tenant.version,
      data: tenant,
    });
    if (event === 'deleted') this.ledgerRefreshes.get(tx)?.forgottenTenants.add(tenant.name);
  }

  async project(tx: EntityManager, actor: Actor, event: Change, project: Project): Promise<void> {
    await this.add(tx, {
      actor,
      entityKind: 'project',
      event,
      entity: { kind: 'Project', name: project.name, tenant: project.tenant },
      version: project.version,
      data: project,
    });
  }

  async namespace(tx: EntityManager, actor: Actor, event: Change, namespace: Namespace): Promise<void> {
    await this.add(tx, {
      actor,
      entityKind: 'namespace',
      event,
      entity: { kind: 'Namespace', name: namespace.name, cluster: namespace.cluster, tenant: namespace.tenant, project: namespace.project },
      version: namespace.version,
      data: namespace,
    });
    // Warden's quota webhook knows a namespace's tenant from the ledger (issue #7).
    this.refreshLedger(tx, namespace.tenant, namespace.cluster);
  }

  async quota(tx: EntityManager, actor: Actor, change: QuotaChange, version: number): Promise<void> {
    const name = change.level === 'tenant' ? change.tenant : (change.namespace ?? '');
    await this.add(tx, {
      actor,
      entityKind: 'quota',
      event: 'changed',
      entity: { kind: 'Quota', name, level: change.level, tenant: change.tenant, cluster: change.cluster },
      version,
      data: change,
    });
    this.refreshLedger(tx, change.tenant, change.cluster);
  }
}
