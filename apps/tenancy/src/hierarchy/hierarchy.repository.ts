import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Namespace, Project, Tenant } from '@cube/contracts';
import { PlatformAbility, PlatformSubjectKind, readableWhere, SqlCondition } from '@cube/auth';
import { Keyset } from '@cube/persistence';

export interface TenantRow {
  name: string;
  display_name: string;
  description: string;
  labels: Record<string, string>;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}
export interface ProjectRow extends TenantRow {
  tenant: string;
}
export interface NamespaceRow {
  cluster: string;
  name: string;
  tenant: string;
  project: string;
  quota: Record<string, string> | null;
  created_by: string;
  created_at: Date;
  version: number;
}

/** A namespace's address in the hierarchy. */
export interface NamespaceRef {
  tenant: string;
  project: string;
  cluster: string;
  namespace: string;
}

export const toTenant = (row: TenantRow): Tenant => ({
  name: row.name,
  displayName: row.display_name,
  description: row.description,
  labels: row.labels,
  createdBy: row.created_by,
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
  version: row.version,
});

export const toProject = (row: ProjectRow, quota: Project['quota'] = {}): Project => ({ ...toTenant(row), tenant: row.tenant, quota });

export const toNamespace = (row: NamespaceRow): Namespace => ({
  name: row.name,
  cluster: row.cluster,
  tenant: row.tenant,
  project: row.project,
  quota: row.quota ? { hard: row.quota } : null,
  createdBy: row.created_by,
  createdAt: new Date(row.created_at).toISOString(),
  version: row.version,
});

/** Tenants and projects page by name, namespaces by (cluster, name). */
export const BY_NAME = new Keyset<[name: string]>(['text']);
export const BY_CLUSTER_AND_NAME = new Keyset<[cluster: string, name: string]>(['text', 'text']);

const TENANT_COLUMNS = { tenant: 't."name"' };
const PROJECT_COLUMNS = { tenant: 'p."tenant"', project: 'p."name"' };
const NAMESPACE_COLUMNS = { tenant: 'n."tenant"', project: 'n."project"', cluster: 'n."cluster"', namespace: 'n."name"' };

/** What `ability` may read, as a condition whose parameters start at `$first`; everything without an ability. */
function readable(ability: PlatformAbility | undefined, kind: PlatformSubjectKind, columns: Record<string, string>, first: number): SqlCondition {
  return ability ? readableWhere(ability, kind, columns, first) : { sql: 'TRUE', params: [] };
}

export interface Described {
  displayName?: string;
  description?: string;
  labels?: Record<string, string>;
}

/** Tenants, projects and namespaces in the `tenancy` schema; visibility arrives as a SQL condition. */
@Injectable()
export class HierarchyRepository {
  constructor(private readonly db: DataSource) {}

  async listTenants(ability: PlatformAbility, page: { limit: number; cursor?: string }): Promise<TenantRow[]> {
    const after = BY_NAME.decode(page.cursor);
    const visible = readable(ability, 'Tenant', TENANT_COLUMNS, 3);
    return (await this.db.query(
      `SELECT * FROM "tenancy"."tenants" t WHERE ($1::text IS NULL OR t."name" > $1) AND ${visible.sql} ORDER BY t."name" LIMIT $2`,
      [after?.[0] ?? null, page.limit + 1, ...visible.params],
    )) as TenantRow[];
  }

  async findTenant(name: string, ability?: PlatformAbility, manager: EntityManager = this.db.manager, lock = false): Promise<TenantRow | null> {
    const visible = readable(ability, 'Tenant', TENANT_COLUMNS, 2);
    const rows = (await manager.query(
      `SELECT * FROM "tenancy"."tenants" t WHERE t."name" = $1 AND ${visible.sql}${lock ? ' FOR UPDATE' : ''}`,
      [name, ...visible.params],
    )) as TenantRow[];
    return rows[0] ?? null;
  }

  async insertTenant(name: string, described: Described, createdBy: string, manager: EntityManager = this.db.manager): Promise<TenantRow | null> {
    const rows = (await manager.query(
      `INSERT INTO "tenancy"."tenants" ("name", "display_name", "description", "labels", "created_by") VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ("name") DO NOTHING RETURNING *`,
      [name, described.displayName ?? '', described.description ?? '', JSON.stringify(described.labels ?? {}), createdBy],
    )) as TenantRow[];
    return rows[0] ?? null;
  }

  async updateTenant(name: string, described: Described, manager: EntityManager = this.db.manager): Promise<TenantRow | null> {
    const rows = (await manager.query(
      `UPDATE "tenancy"."tenants" SET "display_name" = COALESCE($2, "display_name"), "description" = COALESCE($3, "description"),
         "labels" = COALESCE($4::jsonb, "labels"), "updated_at" = now(), "version" = "version" + 1 WHERE "name" = $1 RETURNING *`,
      [name, described.displayName ?? null, described.description ?? null, described.labels ? JSON.stringify(described.labels) : null],
    )) as [TenantRow[], number];
    return rows[0][0] ?? null;
  }

  async listProjects(tenant: string, ability: PlatformAbility, page: { limit: number; cursor?: string }): Promise<ProjectRow[]> {
    const after = BY_NAME.decode(page.cursor);
    const visible = readable(ability, 'Project', PROJECT_COLUMNS, 4);
    return (await this.db.query(
      `SELECT * FROM "tenancy"."projects" p WHERE p."tenant" = $1 AND ($2::text IS NULL OR p."name" > $2) AND ${visible.sql}
       ORDER BY p."name" LIMIT $3`,
      [tenant, after?.[0] ?? null, page.limit + 1, ...visible.params],
    )) as ProjectRow[];
  }

  async findProject(tenant: string, name: string, ability?: PlatformAbility, manager: EntityManager = this.db.manager, lock = false): Promise<ProjectRow | null> {
    const visible = readable(ability, 'Project', PROJECT_COLUMNS, 3);
    const rows = (await manager.query(
      `SELECT * FROM "tenancy"."projects" p WHERE p."tenant" = $1 AND p."name" = $2 AND ${visible.sql}${lock ? ' FOR UPDATE' : ''}`,
      [tenant, name, ...visible.params],
    )) as ProjectRow[];
    return rows[0] ?? null;
  }

  async projectsOf(tenant: string, manager: EntityManager): Promise<ProjectRow[]> {
    return (await manager.query(`SELECT * FROM "tenancy"."projects" WHERE "tenant" = $1 ORDER BY "name"`, [tenant])) as ProjectRow[];
  }

  async insertProject(tenant: string, name: string, described: Described, createdBy: string, manager: EntityManager = this.db.manager): Promise<ProjectRow | null> {
    const rows = (await manager.query(
      `INSERT INTO "tenancy"."projects" ("tenant", "name", "display_name", "description", "labels", "created_by") VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT ("tenant", "name") DO NOTHING RETURNING *`,
      [tenant, name, described.displayName ?? '', described.description ?? '', JSON.stringify(described.labels ?? {}), createdBy],
    )) as ProjectRow[];
    return rows[0] ?? null;
  }

  async updateProject(tenant: string, name: string, described: Described, manager: EntityManager = this.db.manager): Promise<ProjectRow | null> {
    const rows = (await manager.query(
      `UPDATE "tenancy"."projects" SET "display_name" = COALESCE($3, "display_name"), "description" = COALESCE($4, "description"),
         "labels" = COALESCE($5::jsonb, "labels"), "updated_at" = now(), "version" = "version" + 1 WHERE "tenant" = $1 AND "name" = $2 RETURNING *`,
      [tenant, name, described.displayName ?? null, described.description ?? null, described.labels ? JSON.stringify(described.labels) : null],
    )) as [ProjectRow[], number];
    return rows[0][0] ?? null;
  }

  /** Namespaces, optionally of one tenant/project/cluster, ordered by (cluster, name). */
  async listNamespaces(
    filter: { tenant?: string; project?: string; cluster?: string },
    ability: PlatformAbility,
    page: { limit: number; cursor?: string },
  ): Promise<NamespaceRow[]> {
    const after = BY_CLUSTER_AND_NAME.decode(page.cursor);
    const visible = readable(ability, 'Namespace', NAMESPACE_COLUMNS, 7);
    return (await this.db.query(
      `SELECT * FROM "tenancy"."namespaces" n
       WHERE ($1::text IS NULL OR n."tenant" = $1) AND ($2::text IS NULL OR n."project" = $2) AND ($3::text IS NULL OR n."cluster" = $3)
         AND ($4::text IS NULL OR (n."cluster", n."name") > ($4::text, $5::text)) AND ${visible.sql}
       ORDER BY n."cluster", n."name" LIMIT $6`,
      [filter.tenant ?? null, filter.project ?? null, filter.cluster ?? null, after?.[0] ?? null, after?.[1] ?? null, page.limit + 1, ...visible.params],
    )) as NamespaceRow[];
  }

  async findNamespace(ref: NamespaceRef, ability?: PlatformAbility): Promise<NamespaceRow | null> {
    const visible = readable(ability, 'Namespace', NAMESPACE_COLUMNS, 5);
    const rows = (await this.db.query(
      `SELECT * FROM "tenancy"."namespaces" n WHERE n."tenant" = $1 AND n."project" = $2 AND n."cluster" = $3 AND n."name" = $4 AND ${visible.sql}`,
      [ref.tenant, ref.project, ref.cluster, ref.namespace, ...visible.params],
    )) as NamespaceRow[];
    return rows[0] ?? null;
  }

  /** Every namespace of a tenant (optionally one project), for cascades, quota sums and desired state. */
  async namespacesOf(tenant: string, project?: string, manager: EntityManager = this.db.manager): Promise<NamespaceRow[]> {
    return (await manager.query(
      `SELECT * FROM "tenancy"."namespaces" WHERE "tenant" = $1 AND ($2::text IS NULL OR "project" = $2) ORDER BY "cluster", "name"`,
      [tenant, project ?? null],
    )) as NamespaceRow[];
  }

  /** Every namespace, for the start-up rewrite of the desired-state buckets. */
  async allNamespaces(): Promise<NamespaceRow[]> {
    return (await this.db.query(`SELECT * FROM "tenancy"."namespaces" ORDER BY "cluster", "name"`)) as NamespaceRow[];
  }

  /** Each (tenant, cluster) where the tenant has a namespace. */
  async namespacePlacements(): Promise<{ tenant: string; cluster: string }[]> {
    return (await this.db.query(`SELECT DISTINCT "tenant", "cluster" FROM "tenancy"."namespaces"`)) as { tenant: string; cluster: string }[];
  }

  /** The quota shares of the tenant's namespaces in a cluster, but for `except` (the one being changed); read under the ledger's lock. */
  async namespaceShares(tx: EntityManager, tenant: string, cluster: string, except?: string): Promise<Record<string, string>[]> {
    const rows = (await tx.query(
      `SELECT "quota" FROM "tenancy"."namespaces" WHERE "tenant" = $1 AND "cluster" = $2 AND "quota" IS NOT NULL AND ($3::text IS NULL OR "name" <> $3)`,
      [tenant, cluster, except ?? null],
    )) as { quota: Record<string, string> }[];
    return rows.map((row) => row.quota);
  }

  /** Inserts a namespace; PostgreSQL's unique (23505) and foreign-key (23503) violations reach the caller, which names them. */
  async insertNamespace(tx: EntityManager, namespace: Omit<NamespaceRow, 'created_at' | 'version'>): Promise<NamespaceRow> {
    const rows = (await tx.query(
      `INSERT INTO "tenancy"."namespaces" ("cluster", "name", "tenant", "project", "quota", "created_by") VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [namespace.cluster, namespace.name, namespace.tenant, namespace.project, namespace.quota ? JSON.stringify(namespace.quota) : null, namespace.created_by],
    )) as NamespaceRow[];
    return rows[0] as NamespaceRow;
  }

  async setNamespaceQuota(tx: EntityManager, ref: NamespaceRef, hard: Record<string, string>): Promise<NamespaceRow | null> {
    const rows = (await tx.query(
      `UPDATE "tenancy"."namespaces" SET "quota" = $5, "version" = "version" + 1
       WHERE "tenant" = $1 AND "project" = $2 AND "cluster" = $3 AND "name" = $4 RETURNING *`,
      [ref.tenant, ref.project, ref.cluster, ref.namespace, JSON.stringify(hard)],
    )) as [NamespaceRow[], number];
    return rows[0][0] ?? null;
  }

  async deleteNamespace(tx: EntityManager, ref: NamespaceRef): Promise<NamespaceRow | null> {
    const rows = (await tx.query(
      `DELETE FROM "tenancy"."namespaces" WHERE "tenant" = $1 AND "project" = $2 AND "cluster" = $3 AND "name" = $4 RETURNING *`,
      [ref.tenant, ref.project, ref.cluster, ref.namespace],
    )) as [NamespaceRow[], number];
    return rows[0][0] ?? null;
  }

  /** A project and its namespaces, bottom-up. */
  async deleteProject(tx: EntityManager, tenant: string, name: string): Promise<void> {
    await tx.query(`DELETE FROM "tenancy"."namespaces" WHERE "tenant" = $1 AND "project" = $2`, [tenant, name]);
    await tx.query(`DELETE FROM "tenancy"."projects" WHERE "tenant" = $1 AND "name" = $2`, [tenant, name]);
  }

  /** Every project and namespace of a tenant, bottom-up; the tenant row stays (its quota rows go first, see deleteTenant). */
  async deleteProjectsOf(tx: EntityManager, tenant: string): Promise<void> {
    await tx.query(`DELETE FROM "tenancy"."namespaces" WHERE "tenant" = $1`, [tenant]);
    await tx.query(`DELETE FROM "tenancy"."projects" WHERE "tenant" = $1`, [tenant]);
  }

  async deleteTenant(tx: EntityManager, name: string): Promise<void> {
    await tx.query(`DELETE FROM "tenancy"."tenants" WHERE "name" = $1`, [name]);
  }
}
