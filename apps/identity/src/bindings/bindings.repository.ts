import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, In, Not, Repository } from 'typeorm';
import { bindingFromRow, scopeColumns, SqlCondition } from '@cube/auth';
import { Keyset } from '@cube/persistence';
import { RoleBindingEntity } from './role-binding.entity';
import { BindingOrigin, BindingScope, RoleBinding } from '@cube/contracts';

const OLDEST_FIRST = { createdAt: 'ASC', id: 'ASC' } as const;

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

/** The `identity.role_bindings` table, through its TypeORM entity. */
@Injectable()
export class BindingsRepository {
  constructor(private readonly db: DataSource) {}

  private bindings(manager: EntityManager = this.db.manager): Repository<RoleBindingEntity> {
    return manager.getRepository(RoleBindingEntity);
  }

  /** Bindings that apply to a user: to them by name, or to any of their groups. */
  async forPrincipal(name: string, groups: string[]): Promise<RoleBinding[]> {
    const rows = await this.bindings().find({
      where: [
        { subjectKind: 'User', subjectName: name },
        ...(groups.length > 0 ? [{ subjectKind: 'Group' as const, subjectName: In(groups) }] : []),
      ],
      order: OLDEST_FIRST,
    });
    return rows.map(bindingFromRow);
  }

  /** Inserts, or returns null when an equal binding (same subject, role and scope, any origin) exists. */
  async insert(
    binding: Pick<RoleBinding, 'subject' | 'role' | 'scope' | 'createdBy'> & { origin?: BindingOrigin; originGroup?: string },
    manager: EntityManager = this.db.manager,
  ): Promise<RoleBinding | null> {
    const scope = binding.scope;
    const id = randomUUID();
    // ON CONFLICT DO NOTHING: the expression index role_bindings_unique decides what "equal" is.
    const result = await this.bindings(manager)
      .createQueryBuilder()
      .insert()
      .values({
        id,
        subjectKind: binding.subject.kind,
        subjectName: binding.subject.name,
        role: binding.role,
        ...scopeColumns(scope),
        createdBy: binding.createdBy,
        origin: binding.origin ?? 'manual',
        originGroup: binding.originGroup ?? null,
      })
      .orIgnore()
      .returning(['id'])
      .execute();
    if ((result.raw as unknown[]).length === 0) return null;
    const row = await this.bindings(manager).findOneBy({ id });
    return row ? bindingFromRow(row) : null;
  }

  /** A user's bindings made by a login source's group mapping (never the manual ones). */
  async mappedTo(userName: string, origin: Exclude<BindingOrigin, 'manual'>, manager: EntityManager): Promise<MappedBinding[]> {
    const rows = await this.bindings(manager).find({ where: { subjectKind: 'User', subjectName: userName, origin }, order: OLDEST_FIRST });
    return rows.map((row) => ({ ...bindingFromRow(row), originGroup: row.originGroup }));
  }

  /** Deletes group-mapped bindings by id; manual ones are out of its reach by construction. */
  async deleteMapped(ids: string[], manager: EntityManager): Promise<void> {
    if (ids.length === 0) return;
    await this.bindings(manager).delete({ id: In(ids), origin: Not('manual') });
  }

  async find(id: string): Promise<RoleBinding | null> {
    const row = await this.bindings().findOneBy({ id });
    return row ? bindingFromRow(row) : null;
  }

  /**
   * One page of bindings filtered by scope, subject user and `visible` (the caller's read rules as
   * SQL over VISIBILITY_COLUMNS, see readableWhere), oldest first. Keyset on (created_at, id):
   * `after` is the last row's key as returned in `BindingPageRow.key`, exact to the microsecond.
   */
  async list(
    filter: { scope?: BindingScope; user?: string },
    visible: SqlCondition,
    page: { limit: number; after: [string, string] | null },
  ): Promise<BindingPageRow[]> {
    const scope = filter.scope;
    const query = this.bindings().createQueryBuilder('b').where(visible.sql, visible.params);
    if (scope) query.andWhere('b.scopeKind = :scopeKind', { scopeKind: scope.kind });
    if (scope && scope.kind !== 'platform') query.andWhere('b.tenant = :tenant', { tenant: scope.tenant });
    if (scope?.kind === 'project') query.andWhere('b.project = :project', { project: scope.project });
    if (filter.user) query.andWhere(`b.subjectKind = 'User' AND b.subjectName = :user`, { user: filter.user });
    const rows = await BY_CREATION.read(query, ['b.createdAt', 'b.id'], page.after, page.limit);
    return rows.map(({ row, key }) => ({ binding: bindingFromRow(row), key }));
  }

  /** Rule attributes of a RoleBinding subject (roleBindingSubject) → columns of `list`'s alias, for readableWhere. */
  static readonly VISIBILITY_COLUMNS = { role: 'b."role"', scope: 'b."scope_kind"', tenant: 'b."tenant"', project: 'b."project"' };

  /**
   * Deletes a binding, but never the last platform-admin binding of a user: Cube would be left
   * without anyone able to administer it. The platform-admin rows are locked first, so two
   * concurrent deletions cannot each see the other's binding as the one that remains; `tx` must
   * therefore be a transaction.
   */
  async delete(id: string, tx: EntityManager): Promise<'deleted' | 'missing' | 'last-platform-admin'> {
    const admins = await this.bindings(tx).find({
      select: { id: true },
      where: { role: 'platform-admin', scopeKind: 'platform', subjectKind: 'User' },
      lock: { mode: 'pessimistic_write' },
    });
    if (admins.length === 1 && admins[0]?.id === id) return 'last-platform-admin';
    const result = await this.bindings(tx).delete({ id });
    return (result.affected ?? 0) > 0 ? 'deleted' : 'missing';
  }
}
