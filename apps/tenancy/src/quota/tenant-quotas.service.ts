import { Injectable } from '@nestjs/common';
import { authorize, subjectOf } from '@cube/auth';
import { Actor, CubeError, Page, TenantQuota } from '@cube/contracts';
import { TenancyAccess } from '../access/tenancy-access';
import { HierarchyRepository } from '../hierarchy/hierarchy.repository';
import { notFound as tenantNotFound } from '../hierarchy/tenants.service';
import { TenancyEvents } from '../shared/tenancy-events';
import { ClusterRegistry } from './cluster-registry';
import { formatAmounts, freeOf, HardMap, sumHard, tenantQuotaRefusal } from './quota-ledger';
import { QuotaLedgerRepository } from './quota-ledger.repository';
import { QuotaUsageRepository } from './quota-usage.repository';

/** A tenant's share of each cluster: set by platform admins, never below what its namespaces hold. */
@Injectable()
export class TenantQuotasService {
  constructor(
    private readonly hierarchy: HierarchyRepository,
    private readonly ledger: QuotaLedgerRepository,
    private readonly usage: QuotaUsageRepository,
    private readonly access: TenancyAccess,
    private readonly events: TenancyEvents,
    private readonly registry: ClusterRegistry,
  ) {}

  /**
   * Per cluster: hard, allocated to namespaces, free, and used: the sum over the tenant's namespaces
   * of their ResourceQuotas' `status.used` as Warden last reported it (QuotaUsageRecorder), exact.
   */
  async list(actor: Actor, tenant: string): Promise<Page<TenantQuota>> {
    const ability = await this.access.abilityOf(actor);
    if (!(await this.hierarchy.findTenant(tenant, ability))) throw tenantNotFound(tenant);
    const quotas = await this.ledger.tenantQuotas(tenant);
    const namespaces = await this.hierarchy.namespacesOf(tenant);
    const usage = await this.usage.usageOf(namespaces);
    const items = quotas
      .filter((quota) => ability.can('read', subjectOf('Quota', { level: 'tenant', tenant, cluster: quota.cluster })))
      .map((quota) => {
        const allocated = sumHard(namespaces.filter((n) => n.cluster === quota.cluster && n.quota).map((n) => n.quota as HardMap));
        return {
          cluster: quota.cluster,
          hard: quota.hard,
          allocated: formatAmounts(allocated),
          free: formatAmounts(freeOf(quota.hard, allocated)),
          used: formatAmounts(sumHard(usage.filter((u) => u.cluster === quota.cluster).map((u) => u.used))),
        };
      });
    return { items, nextCursor: null };
  }

  async set(actor: Actor, tenant: string, cluster: string, hard: HardMap): Promise<TenantQuota> {
    const ability = await this.access.abilityOf(actor);
    if (!(await this.hierarchy.findTenant(tenant, ability))) throw tenantNotFound(tenant);
    authorize(ability, 'update', subjectOf('Quota', { level: 'tenant', tenant, cluster }));
    await this.registry.requireRegistered(cluster);
    const row = await this.events.transaction(async (tx) => {
      await this.ledger.lockOrCreateTenantQuota(tx, tenant, cluster);
      const shares = await this.hierarchy.namespaceShares(tx, tenant, cluster);
      const refusal = tenantQuotaRefusal(hard, shares);
      if (refusal) {
        throw new CubeError('CONFLICT', `tenant "${tenant}"'s namespaces in cluster "${cluster}" hold more than this quota`, {
          tenant,
          cluster,
          allocated: refusal.allocated,
          shortfall: refusal.shortfall,
        });
      }
      const updated = await this.ledger.setTenantHard(tx, tenant, cluster, hard);
      await this.events.quota(tx, actor, { level: 'tenant', tenant, cluster, hard }, updated.version);
      return { row: updated, allocated: sumHard(shares) };
    });
    const usage = await this.usage.usageOf(await this.hierarchy.namespacesOf(tenant));
    return {
      cluster,
      hard: row.row.hard,
      allocated: formatAmounts(row.allocated),
      free: formatAmounts(freeOf(row.row.hard, row.allocated)),
      used: formatAmounts(sumHard(usage.filter((u) => u.cluster === cluster).map((u) => u.used))),
    };
  }
}
