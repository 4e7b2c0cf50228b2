import { Injectable } from '@nestjs/common';
import { authorize, PlatformAbility, subjectOf } from '@cube/auth';
import { Actor, CreateProjectBody, CubeError, Page, Project, UpdateTenancyObjectBody } from '@cube/contracts';
import { TenancyAccess } from '../access/tenancy-access';
import { formatAmounts, sumHard } from '../quota/quota-ledger';
import { DEFAULT_PAGE_SIZE } from '@cube/persistence';
import { TenancyEvents } from '../shared/tenancy-events';
import { BY_NAME, HierarchyRepository, toProject } from './hierarchy.repository';
import { NamespaceEntity } from './namespace.entity';
import { ProjectEntity } from './project.entity';
import { NamespaceRemoval } from './namespace-removal';
import { notFound as tenantNotFound } from './tenants.service';

/** Per cluster, the sum of the namespaces' shares: a project has no quota of its own (as in KubeCube). */
function quotaSums(namespaces: NamespaceEntity[]): Project['quota'] {
  const byCluster = new Map<string, Record<string, string>[]>();
  for (const namespace of namespaces) {
    if (!namespace.quota) continue;
    byCluster.set(namespace.cluster, [...(byCluster.get(namespace.cluster) ?? []), namespace.quota]);
  }
  return Object.fromEntries([...byCluster].map(([cluster, shares]) => [cluster, formatAmounts(sumHard(shares))]));
}

const projectNotFound = (tenant: string, project: string) =>
  new CubeError('NOT_FOUND', `project "${project}" not found in tenant "${tenant}"`, { tenant, project });

/** Projects of a tenant: tenant admins manage them, project admins edit theirs. */
@Injectable()
export class ProjectsService {
  constructor(
    private readonly hierarchy: HierarchyRepository,
    private readonly access: TenancyAccess,
    private readonly events: TenancyEvents,
    private readonly removal: NamespaceRemoval,
  ) {}

  async list(actor: Actor, tenant: string, page: { limit?: number; cursor?: string }): Promise<Page<Project>> {
    const ability = await this.access.abilityOf(actor);
    await this.visibleTenant(ability, tenant);
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.hierarchy.listProjects(tenant, ability, { limit, cursor: page.cursor });
    const namespaces = await this.hierarchy.namespacesOf(tenant);
    return BY_NAME.page(
      rows,
      limit,
      (row) => [row.name],
      (row) => toProject(row, quotaSums(namespaces.filter((n) => n.project === row.name))),
    );
  }

  async get(actor: Actor, tenant: string, name: string): Promise<Project> {
    const row = await this.visible(await this.access.abilityOf(actor), tenant, name);
    return toProject(row, quotaSums(await this.hierarchy.namespacesOf(tenant, name)));
  }

  async create(actor: Actor, tenant: string, body: CreateProjectBody): Promise<Project> {
    const ability = await this.access.abilityOf(actor);
    await this.visibleTenant(ability, tenant);
    authorize(ability, 'create', subjectOf('Project', { tenant, project: body.name }));
    return this.events.transaction(async (tx) => {
      const row = await this.hierarchy.insertProject(tenant, body.name, body, actor.name, tx);
      if (!row)
        throw new CubeError('CONFLICT', `project "${body.name}" already exists in tenant "${tenant}"`, { tenant, project: body.name });
      const project = toProject(row);
      await this.events.project(tx, actor, 'created', project);
      return project;
    });
  }

  async update(actor: Actor, tenant: string, name: string, body: UpdateTenancyObjectBody): Promise<Project> {
    const ability = await this.access.abilityOf(actor);
    await this.visible(ability, tenant, name);
    authorize(ability, 'update', subjectOf('Project', { tenant, project: name }));
    return this.events.transaction(async (tx) => {
      const row = await this.hierarchy.updateProject(tenant, name, body, tx);
      if (!row) throw projectNotFound(tenant, name);
      const project = toProject(row, quotaSums(await this.hierarchy.namespacesOf(tenant, name, tx)));
      await this.events.project(tx, actor, 'updated', project);
      return project;
    });
  }

  /** Refuses while namespaces remain (409 naming them); `cascade` deletes them first. */
  async delete(actor: Actor, tenant: string, name: string, cascade: boolean): Promise<void> {
    const ability = await this.access.abilityOf(actor);
    await this.visible(ability, tenant, name);
    authorize(ability, 'delete', subjectOf('Project', { tenant, project: name }));
    const removed = await this.events.transaction(async (tx) => {
      const project = await this.hierarchy.findProject(tenant, name, undefined, tx, true);
      if (!project) throw projectNotFound(tenant, name);
      const namespaces = await this.hierarchy.namespacesOf(tenant, name, tx);
      if (namespaces.length > 0 && !cascade) {
        throw new CubeError('CONFLICT', `project "${name}" still has namespaces; delete them first or use ?cascade=true`, {
          namespaces: namespaces.map((namespace) => ({ cluster: namespace.cluster, name: namespace.name })),
        });
      }
      for (const namespace of namespaces) {
        authorize(
          ability,
          'delete',
          subjectOf('Namespace', { tenant, project: name, cluster: namespace.cluster, namespace: namespace.name }),
        );
      }
      await this.hierarchy.deleteProject(tx, tenant, name);
      await this.removal.announce(tx, actor, namespaces, [project]);
      return { namespaces };
    });
    await this.removal.afterDelete(removed.namespaces);
  }

  private async visibleTenant(ability: PlatformAbility, tenant: string): Promise<void> {
    if (!(await this.hierarchy.findTenant(tenant, ability))) throw tenantNotFound(tenant);
  }

  private async visible(ability: PlatformAbility, tenant: string, name: string): Promise<ProjectEntity> {
    await this.visibleTenant(ability, tenant);
    const row = await this.hierarchy.findProject(tenant, name, ability);
    if (!row) throw projectNotFound(tenant, name);
    return row;
  }
}
