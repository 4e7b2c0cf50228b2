import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { authorize, PlatformAbility, subjectOf } from '@cube/auth';
import { Actor, CreateNamespaceBody, CubeError, Namespace, Page } from '@cube/contracts';
import { RoleBindingsProjection } from '../access/role-bindings.projection';
import { TenancyAccess } from '../access/tenancy-access';
import { DesiredStateWriter } from '../desired-state/desired-state-writer';
import { BY_CLUSTER_AND_NAME, HierarchyRepository, toNamespace } from '../hierarchy/hierarchy.repository';
import { NamespaceEntity } from '../hierarchy/namespace.entity';
import { NamespaceRemoval } from '../hierarchy/namespace-removal';
import { notFound as tenantNotFound } from '../hierarchy/tenants.service';
import { DEFAULT_PAGE_SIZE } from '@cube/persistence';
import { TenancyEvents } from '../shared/tenancy-events';
import { pgCode } from '../shared/transactions';
import { ClusterRegistry } from './cluster-registry';
import { HardMap, namespaceAllocationRefusal } from './quota-ledger';
import { QuotaLedgerRepository } from './quota-ledger.repository';

interface NamespaceAddress {
  tenant: string;
  project: string;
  cluster: string;
  namespace: string;
}

const namespaceNotFound = (ref: NamespaceAddress) =>
  new CubeError(
    'NOT_FOUND',
    `namespace "${ref.namespace}" not found in cluster "${ref.cluster}" of project "${ref.tenant}/${ref.project}"`,
    { ...ref },
  );

/** Namespaces and their shares of the tenant's quota (the ledger's writes). */
@Injectable()
export class NamespacesService {
  constructor(
    private readonly hierarchy: HierarchyRepository,
    private readonly ledger: QuotaLedgerRepository,
    private readonly access: TenancyAccess,
    private readonly bindings: RoleBindingsProjection,
    private readonly desired: DesiredStateWriter,
    private readonly events: TenancyEvents,
    private readonly removal: NamespaceRemoval,
    private readonly registry: ClusterRegistry,
  ) {}

  async list(
    actor: Actor,
    filter: { tenant?: string; project?: string; cluster?: string },
    page: { limit?: number; cursor?: string },
    underProject = false,
  ): Promise<Page<Namespace>> {
    const ability = await this.access.abilityOf(actor);
    if (underProject) await this.visibleProject(ability, filter.tenant ?? '', filter.project ?? '');
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.hierarchy.listNamespaces(filter, ability, { limit, cursor: page.cursor });
    return BY_CLUSTER_AND_NAME.page(rows, limit, (row) => [row.cluster, row.name], toNamespace);
  }

  async get(actor: Actor, ref: NamespaceAddress): Promise<Namespace> {
    return toNamespace(await this.visible(await this.access.abilityOf(actor), ref));
  }

  async create(actor: Actor, tenant: string, project: string, body: CreateNamespaceBody): Promise<Namespace> {
    const ability = await this.access.abilityOf(actor);
    await this.visibleProject(ability, tenant, project);
    const address = { tenant, project, cluster: body.cluster, namespace: body.name };
    authorize(ability, 'create', subjectOf('Namespace', address));
    if (body.quota) authorize(ability, 'update', subjectOf('Quota', { level: 'namespace', ...address }));
    // Checked before the transaction, so an unknown cluster writes nothing.
    await this.registry.requireRegistered(body.cluster);
    const namespace = await this.events.transaction(async (tx) => {
      let inserted: NamespaceEntity | undefined;
      try {
        inserted = await this.hierarchy.insertNamespace(tx, {
          cluster: body.cluster,
          name: body.name,
          tenant,
          project,
          quota: body.quota?.hard ?? null,
          createdBy: actor.name,
        });
      } catch (error: unknown) {
        if (pgCode(error) === '23505') {
          throw new CubeError('CONFLICT', `namespace "${body.name}" already exists in cluster "${body.cluster}"`, {
            cluster: body.cluster,
            namespace: body.name,
          });
        }
        if (pgCode(error) === '23503')
          throw new CubeError('NOT_FOUND', `project "${project}" not found in tenant "${tenant}"`, { tenant, project });
        throw error;
      }
      if (body.quota) await this.checkShare(tx, tenant, body.cluster, body.name, body.quota.hard);
      const created = toNamespace(inserted as NamespaceEntity);
      await this.events.namespace(tx, actor, 'created', created);
      if (created.quota) await this.announceQuota(tx, actor, created);
      return created;
    });
    await this.desired.writeNamespace(namespace, await this.bindings.inTenant(tenant, project));
    return namespace;
  }

  async delete(actor: Actor, ref: NamespaceAddress): Promise<void> {
    const ability = await this.access.abilityOf(actor);
    await this.visible(ability, ref);
    authorize(ability, 'delete', subjectOf('Namespace', ref));
    const row = await this.events.transaction(async (tx) => {
      // Freeing a share also goes through the ledger's lock, so a reader under it sees a settled sum.
      await this.ledger.lockTenantQuota(tx, ref.tenant, ref.cluster);
      const deleted = await this.hierarchy.deleteNamespace(tx, ref);
      if (!deleted) throw namespaceNotFound(ref);
      await this.removal.announce(tx, actor, [deleted]);
      return deleted;
    });
    await this.removal.afterDelete([row]);
  }

  async setQuota(actor: Actor, ref: NamespaceAddress, hard: HardMap): Promise<Namespace> {
    const ability = await this.access.abilityOf(actor);
    await this.visible(ability, ref);
    authorize(ability, 'update', subjectOf('Quota', { level: 'namespace', ...ref }));
    const namespace = await this.events.transaction(async (tx) => {
      await this.checkShare(tx, ref.tenant, ref.cluster, ref.namespace, hard);
      const updated = await this.hierarchy.setNamespaceQuota(tx, ref, hard);
      if (!updated) throw namespaceNotFound(ref);
      const changed = toNamespace(updated);
      await this.events.namespace(tx, actor, 'updated', changed);
      await this.announceQuota(tx, actor, changed);
      return changed;
    });
    await this.desired.writeNamespace(namespace, await this.bindings.inTenant(ref.tenant, ref.project));
    return namespace;
  }

  /**
   * The ledger's rule, under the (tenant, cluster) row lock: the other namespaces' shares plus this
   * one must fit in the tenant's hard quota, per resource. 409 says what is free.
   */
  private async checkShare(tx: EntityManager, tenant: string, cluster: string, namespace: string, requested: HardMap): Promise<void> {
    const tenantQuota = await this.ledger.lockTenantQuota(tx, tenant, cluster);
    const others = await this.hierarchy.namespaceShares(tx, tenant, cluster, namespace);
    const refusal = namespaceAllocationRefusal(tenantQuota?.hard ?? {}, others, requested);
    if (refusal) {
      throw new CubeError(
        'CONFLICT',
        `the quota asked for namespace "${namespace}" exceeds what tenant "${tenant}" has free in cluster "${cluster}"`,
        {
          tenant,
          cluster,
          requested,
          free: refusal.free,
          shortfall: refusal.shortfall,
        },
      );
    }
  }

  private async announceQuota(tx: EntityManager, actor: Actor, namespace: Namespace): Promise<void> {
    await this.events.quota(
      tx,
      actor,
      {
        level: 'namespace',
        tenant: namespace.tenant,
        cluster: namespace.cluster,
        project: namespace.project,
        namespace: namespace.name,
        hard: namespace.quota?.hard ?? {},
      },
      namespace.version,
    );
  }

  private async visibleProject(ability: PlatformAbility, tenant: string, project: string): Promise<void> {
    if (!(await this.hierarchy.findTenant(tenant, ability))) throw tenantNotFound(tenant);
    if (!(await this.hierarchy.findProject(tenant, project, ability))) {
      throw new CubeError('NOT_FOUND', `project "${project}" not found in tenant "${tenant}"`, { tenant, project });
    }
  }

  private async visible(ability: PlatformAbility, ref: NamespaceAddress): Promise<NamespaceEntity> {
    await this.visibleProject(ability, ref.tenant, ref.project);
    const row = await this.hierarchy.findNamespace(ref, ability);
    if (!row) throw namespaceNotFound(ref);
    return row;
  }
}
