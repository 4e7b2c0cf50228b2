import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull, Not, SelectQueryBuilder } from 'typeorm';
import { Namespace, Project, Tenant } from '@cube/contracts';
import { PlatformAbility, PlatformSubjectKind, readableWhere } from '@cube/auth';
import { Keyset } from '@cube/persistence';
import { NamespaceEntity } from './namespace.entity';
import { ProjectEntity } from './project.entity';
import { TenantEntity } from './tenant.entity';

/** Tenants and projects page by name, namespaces by (cluster, name). */
export const BY_NAME = new Keyset<[name: string]>(['text']);
export const BY_CLUSTER_AND_NAME = new Keyset<[cluster: string, name: string]>(['text', 'text']);

/** A namespace's address in the hierarchy. */
export interface NamespaceRef {
  tenant: string;
  project: string;
  cluster: string;
  namespace: string;
}

export const toTenant = (row: TenantEntity): Tenant => ({
  name: row.name,
  displayName: row.displayName,
  description: row.description,
  labels: row.labels,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
  version: row.version,
});

export const toProject = (row: ProjectEntity, quota: Project['quota'] = {}): Project => ({
  name: row.name,
  displayName: row.displayName,
  description: row.description,
  labels: row.labels,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
  version: row.version,
  tenant: row.tenant,
  quota,
});

export const toNamespace = (row: NamespaceEntity): Namespace => ({
  name: row.name,
  cluster: row.cluster,
  tenant: row.tenant,
  project: row.project,
  quota: row.quota ? { hard: row.quota } : null,
  createdBy: row.createdBy,
  createdAt: row.createdAt.toISOString(),
  version: row.version,
});

/** CASL rule attributes → the columns of each query's alias, for readableWhere. */
const TENANT_COLUMNS = { tenant: 't."name"' };
const PROJECT_COLUMNS = { tenant: 'p."tenant"', project: 'p."name"' };
const NAMESPACE_COLUMNS = { tenant: 'n."tenant"', project: 'n."project"', cluster: 'n."cluster"', namespace: 'n."name"' };

/** Narrows `query` to what `ability` may read; no ability means a system read of everything. */
function readableBy<T extends object>(
  query: SelectQueryBuilder<T>,
  ability: PlatformAbility | undefined,
  kind: PlatformSubjectKind,
  columns: Record<string, string>,
): SelectQueryBuilder<T> {
  if (!ability) return query;
  const visible = readableWhere(ability, kind, columns);
  return query.andWhere(visible.sql, visible.params);
}

export interface Described {
  displayName?: string;
  description?: string;
  labels?: Record<string, string>;
}

/** Only what the caller gave: an update leaves the other fields as they are. */
function changesOf(described: Described): Partial<Pick<TenantEntity, 'displayName' | 'description' | 'labels'>> {
  return {
    ...(described.displayName !== undefined ? { displayName: described.displayName } : {}),
    ...(described.description !== undefined ? { description: described.description } : {}),
    ...(described.labels !== undefined ? { labels: described.labels } : {}),
  };
}

/**
 * The hierarchy's tables (`tenancy.tenants`, `projects`, `namespaces`) through TypeORM: entity
 * repositories for reads and writes, QueryBuilder for the lists, whose visibility (the caller's
 * CASL read rules, see readableWhere) is part of the query so LIMIT stays exact and nothing leaks.
 * Every method that takes a manager runs inside the caller's transaction.
 */
@Injectable()
export class HierarchyRepository {
  constructor(private readonly db: DataSource) {}

  async listTenants(ability: PlatformAbility, page: { limit: number; cursor?: string }): Promise<TenantEntity[]> {
    const after = BY_NAME.decode(page.cursor);
    const query = readableBy(this.db.getRepository(TenantEntity).createQueryBuilder('t'), ability, 'Tenant', TENANT_COLUMNS);
    if (after) query.andWhere('t.name > :after', { after: after[0] });
    return query
      .orderBy('t.name')
      .limit(page.limit + 1)
      .getMany();
  }

  async findTenant(
    name: string,
    ability?: PlatformAbility,
    manager: EntityManager = this.db.manager,
    lock = false,
  ): Promise<TenantEntity | null> {
    const query = readableBy(
      manager.getRepository(TenantEntity).createQueryBuilder('t').where('t.name = :name', { name }),
      ability,
      'Tenant',
      TENANT_COLUMNS,
    );
    if (lock) query.setLock('pessimistic_write');
    return query.getOne();
  }

  /** Inserts, or returns null when the name is taken. */
  async insertTenant(
    name: string,
    described: Described,
    createdBy: string,
    manager: EntityManager = this.db.manager,
  ): Promise<TenantEntity | null> {
    const tenants = manager.getRepository(TenantEntity);
    const result = await tenants
      .createQueryBuilder()
      .insert()
      .values({
        name,
        displayName: described.displayName ?? '',
        description: described.description ?? '',
        labels: described.labels ?? {},
        createdBy,
      })
      .orIgnore()
      .returning(['name'])
      .execute();
    return (result.raw as unknown[]).length > 0 ? tenants.findOneBy({ name }) : null;
  }

  async updateTenant(name: string, described: Described, manager: EntityManager = this.db.manager): Promise<TenantEntity | null> {
    const tenants = manager.getRepository(TenantEntity);
    const result = await tenants.update({ name }, { ...changesOf(described), updatedAt: () => 'now()', version: () => '"version" + 1' });
    return result.affected ? tenants.findOneBy({ name }) : null;
  }

  async listProjects(tenant: string, ability: PlatformAbility, page: { limit: number; cursor?: string }): Promise<ProjectEntity[]> {
    const after = BY_NAME.decode(page.cursor);
    const query = readableBy(
      this.db.getRepository(ProjectEntity).createQueryBuilder('p').where('p.tenant = :tenant', { tenant }),
      ability,
      'Project',
      PROJECT_COLUMNS,
    );
    if (after) query.andWhere('p.name > :after', { after: after[0] });
    return query
      .orderBy('p.name')
      .limit(page.limit + 1)
      .getMany();
  }

  async findProject(
    tenant: string,
    name: string,
    ability?: PlatformAbility,
    manager: EntityManager = this.db.manager,
    lock = false,
  ): Promise<ProjectEntity | null> {
    const query = readableBy(
      manager.getRepository(ProjectEntity).createQueryBuilder('p').where('p.tenant = :tenant AND p.name = :name', { tenant, name }),
      ability,
      'Project',
      PROJECT_COLUMNS,
    );
    if (lock) query.setLock('pessimistic_write');
    return query.getOne();
  }

  projectsOf(tenant: string, manager: EntityManager): Promise<ProjectEntity[]> {
    return manager.getRepository(ProjectEntity).find({ where: { tenant }, order: { name: 'ASC' } });
  }

  /** Inserts, or returns null when the tenant already has a project of that name. */
  async insertProject(
    tenant: string,
    name: string,
    described: Described,
    createdBy: string,
    manager: EntityManager = this.db.manager,
  ): Promise<ProjectEntity | null> {
    const projects = manager.getRepository(ProjectEntity);
    const result = await projects
      .createQueryBuilder()
      .insert()
      .values({
        tenant,
        name,
        displayName: described.displayName ?? '',
        description: described.description ?? '',
        labels: described.labels ?? {},
        createdBy,
      })
      .orIgnore()
      .returning(['name'])
      .execute();
    return (result.raw as unknown[]).length > 0 ? projects.findOneBy({ tenant, name }) : null;
  }

  async updateProject(
    tenant: string,
    name: string,
    described: Described,
    manager: EntityManager = this.db.manager,
  ): Promise<ProjectEntity | null> {
    const projects = manager.getRepository(ProjectEntity);
    const result = await projects.update(
      { tenant, name },
      { ...changesOf(described), updatedAt: () => 'now()', version: () => '"version" + 1' },
    );
    return result.affected ? projects.findOneBy({ tenant, name }) : null;
  }

  /** Namespaces, optionally of one tenant/project/cluster, ordered by (cluster, name). */
  async listNamespaces(
    filter: { tenant?: string; project?: string; cluster?: string },
    ability: PlatformAbility,
    page: { limit: number; cursor?: string },
  ): Promise<NamespaceEntity[]> {
    const after = BY_CLUSTER_AND_NAME.decode(page.cursor);
    const query = readableBy(this.db.getRepository(NamespaceEntity).createQueryBuilder('n'), ability, 'Namespace', NAMESPACE_COLUMNS);
    if (filter.tenant) query.andWhere('n.tenant = :tenant', { tenant: filter.tenant });
    if (filter.project) query.andWhere('n.project = :project', { project: filter.project });
    if (filter.cluster) query.andWhere('n.cluster = :cluster', { cluster: filter.cluster });
    return (await BY_CLUSTER_AND_NAME.read(query, ['n.cluster', 'n.name'], after, page.limit + 1)).map(({ row }) => row);
  }

  findNamespace(ref: NamespaceRef, ability?: PlatformAbility): Promise<NamespaceEntity | null> {
    return readableBy(
      this.db
        .getRepository(NamespaceEntity)
        .createQueryBuilder('n')
        .where('n.tenant = :tenant AND n.project = :project AND n.cluster = :cluster AND n.name = :namespace', { ...ref }),
      ability,
      'Namespace',
      NAMESPACE_COLUMNS,
    ).getOne();
  }

  /** Every namespace of a tenant (optionally one project), for cascades, quota sums and desired state. */
  namespacesOf(tenant: string, project?: string, manager: EntityManager = this.db.manager): Promise<NamespaceEntity[]> {
    return manager
      .getRepository(NamespaceEntity)
      .find({ where: { tenant, ...(project !== undefined ? { project } : {}) }, order: { cluster: 'ASC', name: 'ASC' } });
  }

  /** Every namespace, for the start-up rewrite of the desired-state buckets. */
  allNamespaces(): Promise<NamespaceEntity[]> {
    return this.db.getRepository(NamespaceEntity).find({ order: { cluster: 'ASC', name: 'ASC' } });
  }

  /** Each (tenant, cluster) where the tenant has a namespace. */
  namespacePlacements(): Promise<{ tenant: string; cluster: string }[]> {
    return this.db
      .getRepository(NamespaceEntity)
      .createQueryBuilder('n')
      .select('n.tenant', 'tenant')
      .addSelect('n.cluster', 'cluster')
      .distinct(true)
      .getRawMany();
  }

  /** The quota shares of the tenant's namespaces in a cluster, but for `except` (the one being changed); read under the ledger's lock. */
  async namespaceShares(tx: EntityManager, tenant: string, cluster: string, except?: string): Promise<Record<string, string>[]> {
    const rows = await tx.getRepository(NamespaceEntity).find({
      select: { quota: true },
      where: { tenant, cluster, quota: Not(IsNull()), ...(except !== undefined ? { name: Not(except) } : {}) },
    });
    return rows.flatMap((row) => (row.quota ? [row.quota] : []));
  }

  /** Inserts a namespace; PostgreSQL's unique (23505) and foreign-key (23503) violations reach the caller, which names them. */
  async insertNamespace(
    tx: EntityManager,
    namespace: Pick<NamespaceEntity, 'cluster' | 'name' | 'tenant' | 'project' | 'quota' | 'createdBy'>,
  ): Promise<NamespaceEntity> {
    const namespaces = tx.getRepository(NamespaceEntity);
    await namespaces.insert(namespace);
    return namespaces.findOneByOrFail({ cluster: namespace.cluster, name: namespace.name });
  }

  async setNamespaceQuota(tx: EntityManager, ref: NamespaceRef, hard: Record<string, string>): Promise<NamespaceEntity | null> {
    const namespaces = tx.getRepository(NamespaceEntity);
    const where = { tenant: ref.tenant, project: ref.project, cluster: ref.cluster, name: ref.namespace };
    const result = await namespaces.update(where, { quota: hard, version: () => '"version" + 1' });
    return result.affected ? namespaces.findOneBy(where) : null;
  }

  /** Deletes a namespace and returns it as it was; null when there was none. */
  async deleteNamespace(tx: EntityManager, ref: NamespaceRef): Promise<NamespaceEntity | null> {
    const namespaces = tx.getRepository(NamespaceEntity);
    const where = { tenant: ref.tenant, project: ref.project, cluster: ref.cluster, name: ref.namespace };
    const row = await namespaces.findOne({ where, lock: { mode: 'pessimistic_write' } });
    if (row) await namespaces.delete(where);
    return row;
  }

  /** A project and its namespaces, bottom-up. */
  async deleteProject(tx: EntityManager, tenant: string, name: string): Promise<void> {
    await tx.getRepository(NamespaceEntity).delete({ tenant, project: name });
    await tx.getRepository(ProjectEntity).delete({ tenant, name });
  }

  /** Every project and namespace of a tenant, bottom-up; the tenant row stays (its quota rows go first, see deleteTenant). */
  async deleteProjectsOf(tx: EntityManager, tenant: string): Promise<void> {
    await tx.getRepository(NamespaceEntity).delete({ tenant });
    await tx.getRepository(ProjectEntity).delete({ tenant });
  }

  async deleteTenant(tx: EntityManager, name: string): Promise<void> {
    await tx.getRepository(TenantEntity).delete({ name });
  }
}
