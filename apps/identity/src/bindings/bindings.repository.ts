import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { SqlCondition } from '@cube/auth';
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
  origin: BindingOrigin;
  origin_group: string | null;
  version: number;
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
  createdAt: row.created_at.toISOString(),
  createdBy: row.created_by,
  origin: row.origin,
  version: row.version,
});

/** Bindings page oldest first by (created_at as PostgreSQL's text, exact to the microsecond, id). */
export const BY_CREATION = new Keyset<[createdAt: string, id: string]>(['timestamp', 'uuid']);

/** A listed binding and its keyset position. */
export interface BindingPageRow {
  binding: RoleBinding;
  key: [string, string];
}

/** A binding derived from a directory group: which group of the mapping made it. */
export interface MappedBinding extends RoleBinding {
  originGroup: string | null;
}

/** The `identity.role_bindings` table. */
@Injectable()
export class BindingsRepository {
  constructor(private readonly db: DataSource) {}

  /** Bindings that apply to a user: to them by name, or to any of their groups. */
  async forPrincipal(name: string, groups: string[]): Promise<RoleBinding[]> {
    const rows = (await this.db.query(
      `SELECT * FROM "identity"."role_bindings"
       WHERE ("subject_kind" = 'User' AND "subject_name" = $1) OR ("subject_kind" = 'Group' AND "subject_name" = ANY($2))
       ORDER BY "created_at", "id"`,
      [name, groups],
    )) as BindingRow[];
    return rows.map(toBinding);
  }

  /** Inserts, or returns null when an equal binding (same subject, role and scope, any origin) exists. */
  async insert(
    binding: Pick<RoleBinding, 'subject' | 'role' | 'scope' | 'createdBy'> & { origin?: BindingOrigin; originGroup?: string },
    manager: EntityManager = this.db.manager,
  ): Promise<RoleBinding | null> {
    const scope = binding.scope;
    const rows = (await manager.query(
      `INSERT INTO "identity"."role_bindings"
         ("id", "subject_kind", "subject_name", "role", "scope_kind", "tenant", "project", "created_by", "origin", "origin_group")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING *`,
      [
        randomUUID(),
        binding.subject.kind,
        binding.subject.name,
        binding.role,
        scope.kind,
        scope.kind === 'platform' ? null : scope.tenant,
        scope.kind === 'project' ? scope.project : null,
        binding.createdBy,
        binding.origin ?? 'manual',
        binding.originGroup ?? null,
      ],
    )) as BindingRow[];
    return rows[0] ? toBinding(rows[0]) : null;
  }

  /** A user's bindings made by a login source's group mapping (never the manual ones). */
  async mappedTo(userName: string, origin: Exclude<BindingOrigin, 'manual'>, manager: EntityManager): Promise<MappedBinding[]> {
    const rows = (await manager.query(
      `SELECT * FROM "identity"."role_bindings"
       WHERE "subject_kind" = 'User' AND "subject_name" = $1 AND "origin" = $2 ORDER BY "created_at", "id"`,
      [userName, origin],
    )) as BindingRow[];
    return rows.map((row) => ({ ...toBinding(row), originGroup: row.origin_group }));
  }

  /** Deletes group-mapped bindings by id; manual ones are out of its reach by construction. */
  async deleteMapped(ids: string[], manager: EntityManager): Promise<void> {
    if (ids.length === 0) return;
    await manager.query(`DELETE FROM "identity"."role_bindings" WHERE "id" = ANY($1) AND "origin" <> 'manual'`, [ids]);
  }

  async find(id: string): Promise<RoleBinding | null> {
    const rows = (await this.db.query(`SELECT * FROM "identity"."role_bindings" WHERE "id" = $1`, [id])) as BindingRow[];
    return rows[0] ? toBinding(rows[0]) : null;
  }

  /**
   * One page of bindings filtered by scope, subject user and `visible` (the caller's read rules as
   * SQL, see readableWhere), oldest first. Keyset on (created_at, id): `after` is the last row's
   * key as returned in `BindingPageRow.key`, exact to the microsecond.
   */
  async list(
    filter: { scope?: BindingScope; user?: string },
    visible: SqlCondition,
    page: { limit: number; after: [string, string] | null },
  ): Promise<BindingPageRow[]> {
    const scope = filter.scope;
    const query = this.db
      .createQueryBuilder()
      .select('b.*')
      .addSelect('b."created_at"::text', 'key_created_at')
      .from('identity.role_bindings', 'b')
      .where(visible.sql, visible.params);
    if (scope) query.andWhere('b."scope_kind" = :scopeKind', { scopeKind: scope.kind });
    if (scope && scope.kind !== 'platform') query.andWhere('b."tenant" = :tenant', { tenant: scope.tenant });
    if (scope?.kind === 'project') query.andWhere('b."project" = :project', { project: scope.project });
    if (filter.user) query.andWhere(`b."subject_kind" = 'User' AND b."subject_name" = :user`, { user: filter.user });
    if (page.after) query.andWhere('(b."created_at", b."id") > (:afterCreatedAt::timestamptz, :afterId::uuid)', { afterCreatedAt: page.after[0], afterId: page.after[1] });
    const rows = await query.orderBy('b."created_at"').addOrderBy('b."id"').limit(page.limit).getRawMany<BindingRow & { key_created_at: string }>();
    return rows.map((row) => ({ binding: toBinding(row), key: [row.key_created_at, row.id] }));
  }

  /** Rule attributes of a RoleBinding subject (roleBindingSubject) → columns, for readableWhere. */
  static readonly VISIBILITY_COLUMNS = { role: 'b."role"', scope: 'b."scope_kind"', tenant: 'b."tenant"', project: 'b."project"' };

  /**
   * Deletes a binding, but never the last platform-admin binding of a user: Cube would be left
   * without anyone able to administer it. The platform-admin rows are locked first, so two
   * concurrent deletions cannot each see the other's binding as the one that remains; `tx` must
   * therefore be a transaction.
   */
  async delete(id: string, tx: EntityManager): Promise<'deleted' | 'missing' | 'last-platform-admin'> {
    const admins = (await tx.query(
      `SELECT "id" FROM "identity"."role_bindings"
       WHERE "role" = 'platform-admin' AND "scope_kind" = 'platform' AND "subject_kind" = 'User' FOR UPDATE`,
    )) as { id: string }[];
    if (admins.length === 1 && admins[0]?.id === id) return 'last-platform-admin';
    const result = (await tx.query(`DELETE FROM "identity"."role_bindings" WHERE "id" = $1`, [id])) as [unknown[], number];
    return result[1] > 0 ? 'deleted' : 'missing';
  }
}
