import { Injectable } from '@nestjs/common';
import { authorize, PlatformAbility, readableWhere, subjectOf } from '@cube/auth';
import { Actor, CreateTenantBody, CubeError, Page, RoleBinding, Tenant, UpdateTenancyObjectBody } from '@cube/contracts';
import { BY_ID, MEMBER_VISIBILITY_COLUMNS, RoleBindingsProjection } from '../access/role-bindings.projection';
import { TenancyAccess } from '../access/tenancy-access';
import { DEFAULT_PAGE_SIZE } from '@cube/persistence';
import { QuotaLedgerRepository } from '../quota/quota-ledger.repository';
import { TenancyEvents } from '../shared/tenancy-events';
import { BY_NAME, HierarchyRepository, toTenant } from './hierarchy.repository';
import { TenantEntity } from './tenant.entity';
import { NamespaceRemoval } from './namespace-removal';

/** Tenants: platform admins create and delete them; tenant admins edit their own. */
@Injectable()
export class TenantsService {
  constructor(
    private readonly hierarchy: HierarchyRepository,
    private readonly ledger: QuotaLedgerRepository,
    private readonly access: TenancyAccess,
    private readonly bindings: RoleBindingsProjection,
    private readonly events: TenancyEvents,
    private readonly removal: NamespaceRemoval,
  ) {}

  async list(actor: Actor, page: { limit?: number; cursor?: string }): Promise<Page<Tenant>> {
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.hierarchy.listTenants(await this.access.abilityOf(actor), { limit, cursor: page.cursor });
    return BY_NAME.page(rows, limit, (row) => [row.name], toTenant);
  }

  async get(actor: Actor, name: string): Promise<Tenant> {
    return toTenant(await this.visible(await this.access.abilityOf(actor), name));
  }

  async create(actor: Actor, body: CreateTenantBody): Promise<Tenant> {
    authorize(await this.access.abilityOf(actor), 'create', subjectOf('Tenant', { tenant: body.name }));
    return this.events.transaction(async (tx) => {
      const row = await this.hierarchy.insertTenant(body.name, body, actor.name, tx);
      if (!row) throw new CubeError('CONFLICT', `tenant "${body.name}" already exists`, { tenant: body.name });
      const tenant = toTenant(row);
      await this.events.tenant(tx, actor, 'created', tenant);
      return tenant;
    });
  }

  async update(actor: Actor, name: string, body: UpdateTenancyObjectBody): Promise<Tenant> {
    const ability = await this.access.abilityOf(actor);
    await this.visible(ability, name);
    authorize(ability, 'update', subjectOf('Tenant', { tenant: name }));
    return this.events.transaction(async (tx) => {
      const row = await this.hierarchy.updateTenant(name, body, tx);
      if (!row) throw notFound(name);
      const tenant = toTenant(row);
      await this.events.tenant(tx, actor, 'updated', tenant);
      return tenant;
    });
  }

  /** Refuses while projects remain (409 naming them and their namespaces); `cascade` removes them bottom-up. */
  async delete(actor: Actor, name: string, cascade: boolean): Promise<void> {
    const ability = await this.access.abilityOf(actor);
    await this.visible(ability, name);
    authorize(ability, 'delete', subjectOf('Tenant', { tenant: name }));
    const removed = await this.events.transaction(async (tx) => {
      const tenant = await this.hierarchy.findTenant(name, undefined, tx, true);
      if (!tenant) throw notFound(name);
      const projects = await this.hierarchy.projectsOf(name, tx);
      const namespaces = await this.hierarchy.namespacesOf(name, undefined, tx);
      if (projects.length > 0 && !cascade) {
        throw new CubeError('CONFLICT', `tenant "${name}" still has projects; delete them first or use ?cascade=true`, {
          projects: projects.map((project) => project.name),
          namespaces: namespaces.map((namespace) => ({ cluster: namespace.cluster, name: namespace.name, project: namespace.project })),
        });
      }
      for (const project of projects) authorize(ability, 'delete', subjectOf('Project', { tenant: name, project: project.name }));
      for (const namespace of namespaces) {
        authorize(
          ability,
          'delete',
          subjectOf('Namespace', { tenant: name, project: namespace.project, cluster: namespace.cluster, namespace: namespace.name }),
        );
      }
      // Bottom-up: namespaces, projects, the tenant's quota rows, the tenant.
      await this.hierarchy.deleteProjectsOf(tx, name);
      await this.ledger.deleteTenantQuotas(tx, name);
      await this.hierarchy.deleteTenant(tx, name);
      await this.removal.announce(tx, actor, namespaces, projects);
      await this.events.tenant(tx, actor, 'deleted', { ...toTenant(tenant), version: tenant.version + 1 });
      return { namespaces };
    });
    await this.removal.afterDelete(removed.namespaces);
  }

  /** Bindings at this tenant's scope and its projects' scopes, as far as the caller may read them. */
  async members(actor: Actor, name: string, page: { limit?: number; cursor?: string }): Promise<Page<RoleBinding>> {
    const ability = await this.access.abilityOf(actor);
    await this.visible(ability, name);
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const after = BY_ID.decode(page.cursor);
    // The caller's read rules on RoleBinding as part of the query: LIMIT stays exact, nothing leaks.
    const readable = readableWhere(ability, 'RoleBinding', MEMBER_VISIBILITY_COLUMNS);
    const rows = await this.bindings.pageInTenant(name, readable, limit, after?.[0] ?? null);
    return BY_ID.page(
      rows,
      limit,
      (binding) => [binding.id],
      (binding) => binding,
    );
  }

  private async visible(ability: PlatformAbility, name: string): Promise<TenantEntity> {
    const row = await this.hierarchy.findTenant(name, ability);
    if (!row) throw notFound(name);
    return row;
  }
}

/** Unknown and invisible tenants answer the same: existence does not leak (API.md). */
export const notFound = (tenant: string) => new CubeError('NOT_FOUND', `tenant "${tenant}" not found`, { tenant });
