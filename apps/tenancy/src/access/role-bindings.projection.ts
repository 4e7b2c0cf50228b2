import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Keyset } from '@cube/persistence';
import { BindingOrigin, BindingScope, RoleBinding, RoleName } from '@cube/contracts';

interface BindingRow {
  id: string;
  subject_kind: 'User' | 'Group';
  subject_name: string;
  role: RoleName;
  scope_kind: BindingScope['kind'];
  tenant: string | null;
  project: string | null;
  created_at: Date;
  created_by: string;
  version: number;
  origin: BindingOrigin;
}

function scopeOf(row: BindingRow): BindingScope {
  if (row.scope_kind === 'tenant') return { kind: 'tenant', tenant: row.tenant ?? '' };
  if (row.scope_kind === 'project') return { kind: 'project', tenant: row.tenant ?? '', project: row.project ?? '' };
  return { kind: 'platform' };
}

const toBinding = (row: BindingRow): RoleBinding => ({
  id: row.id,
  subject: { kind: row.subject_kind, name: row.subject_name },
  role: row.role,
  scope: scopeOf(row),
  createdAt: new Date(row.created_at).toISOString(),
  createdBy: row.created_by,
  version: row.version,
  origin: row.origin,
});

/** A tenant's members page by binding id. */
export const BY_ID = new Keyset<[id: string]>(['uuid']);

/**
 * Tenancy's copy of identity's role bindings (`tenancy.role_bindings`), fed by identity's binding
 * events and resynchronised from identity at start. Tenancy never reads identity's schema; with a
 * local copy, visibility is a condition inside the SQL query that lists tenants, projects, namespaces.
 */
@Injectable()
export class RoleBindingsProjection {
  constructor(private readonly db: DataSource) {}

  async forPrincipal(name: string, groups: string[]): Promise<RoleBinding[]> {
    const rows = (await this.db.query(
      `SELECT * FROM "tenancy"."role_bindings"
       WHERE NOT "deleted" AND (("subject_kind" = 'User' AND "subject_name" = $1) OR ("subject_kind" = 'Group' AND "subject_name" = ANY($2)))
       ORDER BY "created_at", "id"`,
      [name, groups],
    )) as BindingRow[];
    return rows.map(toBinding);
  }

  /** Live platform-scope bindings: each is a ClusterRoleBinding in every member cluster. */
  async platformBindings(): Promise<RoleBinding[]> {
    const rows = (await this.db.query(
      `SELECT * FROM "tenancy"."role_bindings" WHERE NOT "deleted" AND "scope_kind" = 'platform' ORDER BY "created_at", "id"`,
    )) as BindingRow[];
    return rows.map(toBinding);
  }

  /** Live bindings at this tenant's scope or one of its projects', optionally one project only. */
  async inTenant(tenant: string, project?: string): Promise<RoleBinding[]> {
    const rows = (await this.db.query(
      `SELECT * FROM "tenancy"."role_bindings"
       WHERE NOT "deleted" AND "tenant" = $1 AND ($2::text IS NULL OR "scope_kind" = 'tenant' OR "project" = $2)
       ORDER BY "created_at", "id"`,
      [tenant, project ?? null],
    )) as BindingRow[];
    return rows.map(toBinding);
  }

  /**
   * One page of the live bindings at this tenant or its projects that `readable` (a condition whose
   * parameters are numbered from $2) lets the caller see, by id after `afterId`: filtered and
   * limited by the query itself. Returns up to `limit + 1` rows, so the caller knows whether more follow.
   */
  async pageInTenant(tenant: string, readable: { sql: string; params: unknown[] }, limit: number, afterId: string): Promise<RoleBinding[]> {
    const next = 2 + readable.params.length;
    const rows = (await this.db.query(
      `SELECT * FROM "tenancy"."role_bindings"
       WHERE NOT "deleted" AND "tenant" = $1 AND ${readable.sql} AND "id"::text > $${next}
       ORDER BY "id"::text LIMIT $${next + 1}`,
      [tenant, ...readable.params, afterId, limit + 1],
    )) as BindingRow[];
    return rows.map(toBinding);
  }

  /** Records a binding identity created; false when it was known already (or deleted since). */
  async created(binding: RoleBinding): Promise<boolean> {
    const scope = binding.scope;
    const result = (await this.db.query(
      `INSERT INTO "tenancy"."role_bindings" ("id", "subject_kind", "subject_name", "role", "scope_kind", "tenant", "project", "created_at", "created_by", "version", "origin")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT ("id") DO NOTHING RETURNING "id"`,
      [
        binding.id,
        binding.subject.kind,
        binding.subject.name,
        binding.role,
        scope.kind,
        scope.kind === 'platform' ? null : scope.tenant,
        scope.kind === 'project' ? scope.project : null,
        binding.createdAt,
        binding.createdBy,
        binding.version,
        binding.origin ?? 'manual',
      ],
    )) as unknown[];
    return result.length > 0;
  }

  /** Records a deletion as a tombstone; false when it was already deleted here. */
  async deleted(binding: RoleBinding): Promise<boolean> {
    await this.created(binding);
    const result = (await this.db.query(
      `UPDATE "tenancy"."role_bindings" SET "deleted" = true, "synced_at" = clock_timestamp() WHERE "id" = $1 AND NOT "deleted" RETURNING "id"`,
      [binding.id],
    )) as [unknown[], number];
    return result[1] > 0;
  }

  /**
   * Applies a full snapshot taken after `requestedAt`: adds what is missing, and tombstones the
   * live rows absent from it that were recorded before the request (rows recorded since came from
   * newer events the snapshot may not show yet). Returns the bindings that changed.
   */
  async reconcile(snapshot: RoleBinding[], requestedAt: Date): Promise<{ added: RoleBinding[]; removed: RoleBinding[] }> {
    const added: RoleBinding[] = [];
    for (const binding of snapshot) if (await this.created(binding)) added.push(binding);
    const rows = (await this.db.query(
      `UPDATE "tenancy"."role_bindings" SET "deleted" = true, "synced_at" = clock_timestamp()
       WHERE NOT "deleted" AND "synced_at" < $1 AND NOT ("id" = ANY($2::uuid[])) RETURNING *`,
      [requestedAt, snapshot.map((binding) => binding.id)],
    )) as [BindingRow[], number];
    return { added, removed: rows[0].map(toBinding) };
  }
}
