import { Injectable } from '@nestjs/common';
import { Brackets, DataSource, In, Repository } from 'typeorm';
import { bindingFromRow, scopeColumns, SqlCondition } from '@cube/auth';
import { Keyset } from '@cube/persistence';
import { RoleBinding } from '@cube/contracts';
import { RoleBindingEntity } from './role-binding.entity';

/** A tenant's members page by binding id. */
export const BY_ID = new Keyset<[id: string]>(['uuid']);

/** Rule attributes of a RoleBinding subject → this projection's columns, for readableWhere (alias `b`). */
export const MEMBER_VISIBILITY_COLUMNS = { tenant: 'b."tenant"', project: 'b."project"', role: 'b."role"', scope: 'b."scope_kind"' };

const OLDEST_FIRST = { createdAt: 'ASC', id: 'ASC' } as const;

/**
 * Tenancy's copy of identity's role bindings (`tenancy.role_bindings`), fed by identity's binding
 * events and resynchronised from identity at start. Tenancy never reads identity's schema; with a
 * local copy, visibility is a condition inside the SQL query that lists tenants, projects, namespaces.
 */
@Injectable()
export class RoleBindingsProjection {
  constructor(private readonly db: DataSource) {}

  private get bindings(): Repository<RoleBindingEntity> {
    return this.db.getRepository(RoleBindingEntity);
  }

  async forPrincipal(name: string, groups: string[]): Promise<RoleBinding[]> {
    const rows = await this.bindings.find({
      where: [
        { deleted: false, subjectKind: 'User', subjectName: name },
        ...(groups.length > 0 ? [{ deleted: false, subjectKind: 'Group' as const, subjectName: In(groups) }] : []),
      ],
      order: OLDEST_FIRST,
    });
    return rows.map(bindingFromRow);
  }

  /** Live platform-scope bindings: each is a ClusterRoleBinding in every member cluster. */
  async platformBindings(): Promise<RoleBinding[]> {
    return (await this.bindings.find({ where: { deleted: false, scopeKind: 'platform' }, order: OLDEST_FIRST })).map(bindingFromRow);
  }

  /** Live bindings at this tenant's scope or one of its projects', optionally one project only. */
  async inTenant(tenant: string, project?: string): Promise<RoleBinding[]> {
    const query = this.bindings.createQueryBuilder('b').where('b.deleted = false AND b.tenant = :tenant', { tenant });
    if (project !== undefined)
      query.andWhere(new Brackets((either) => either.where(`b.scopeKind = 'tenant'`).orWhere('b.project = :project', { project })));
    return (await query.orderBy('b.createdAt').addOrderBy('b.id').getMany()).map(bindingFromRow);
  }

  /**
   * One page of the live bindings at this tenant or its projects that `readable` (readableWhere over
   * MEMBER_VISIBILITY_COLUMNS) lets the caller see, by id after `afterId`: filtered and limited by the
   * query itself. Returns up to `limit + 1` rows, so the caller knows whether more follow.
   */
  async pageInTenant(tenant: string, readable: SqlCondition, limit: number, afterId: string | null): Promise<RoleBinding[]> {
    const query = this.bindings
      .createQueryBuilder('b')
      .where('b.deleted = false AND b.tenant = :tenant', { tenant })
      .andWhere(readable.sql, readable.params);
    if (afterId !== null) query.andWhere('b.id::text > :afterId', { afterId });
    return (
      await query
        .orderBy('b.id::text')
        .limit(limit + 1)
        .getMany()
    ).map(bindingFromRow);
  }

  /** Records a binding identity created; false when it was known already (or deleted since). */
  async created(binding: RoleBinding): Promise<boolean> {
    const scope = binding.scope;
    const result = await this.bindings
      .createQueryBuilder()
      .insert()
      .values({
        id: binding.id,
        subjectKind: binding.subject.kind,
        subjectName: binding.subject.name,
        role: binding.role,
        ...scopeColumns(scope),
        createdAt: new Date(binding.createdAt),
        createdBy: binding.createdBy,
        version: binding.version,
        origin: binding.origin ?? 'manual',
      })
      .orIgnore()
      .returning(['id'])
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  /** Records a deletion as a tombstone; false when it was already deleted here. */
  async deleted(binding: RoleBinding): Promise<boolean> {
    await this.created(binding);
    const result = await this.bindings.update({ id: binding.id, deleted: false }, { deleted: true, syncedAt: () => 'clock_timestamp()' });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Applies a full snapshot taken after `requestedAt`: adds what is missing, and tombstones the
   * live rows absent from it that were recorded before the request (rows recorded since came from
   * newer events the snapshot may not show yet). Returns the bindings that changed.
   */
  async reconcile(snapshot: RoleBinding[], requestedAt: Date): Promise<{ added: RoleBinding[]; removed: RoleBinding[] }> {
    const added: RoleBinding[] = [];
    for (const binding of snapshot) if (await this.created(binding)) added.push(binding);
    const tombstoned = await this.bindings
      .createQueryBuilder()
      .update()
      .set({ deleted: true, syncedAt: () => 'clock_timestamp()' })
      .where('deleted = false AND synced_at < :requestedAt', { requestedAt })
      .andWhere('NOT (id = ANY(:ids::uuid[]))', { ids: snapshot.map((binding) => binding.id) })
      .returning(['id'])
      .execute();
    const ids = (tombstoned.raw as { id: string }[]).map((row) => row.id);
    const removed = ids.length > 0 ? await this.bindings.find({ where: { id: In(ids) }, order: OLDEST_FIRST }) : [];
    return { added, removed: removed.map(bindingFromRow) };
  }
}
