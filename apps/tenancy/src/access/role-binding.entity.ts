import { BindingOrigin, BindingScope, RoleName } from '@cube/contracts';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A row of `tenancy.role_bindings`: identity's binding as last heard. A deleted binding stays as a
 * tombstone (`deleted`), so a late "created" event or an older snapshot cannot bring it back.
 */
@Entity({ name: 'role_bindings' })
@Index('role_bindings_subject', ['subjectKind', 'subjectName'], { where: 'NOT "deleted"' })
@Index('role_bindings_tenant', ['tenant', 'project'], { where: 'NOT "deleted"' })
export class RoleBindingEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'subject_kind', type: 'varchar', length: 8 })
  subjectKind!: 'User' | 'Group';

  @Column({ name: 'subject_name', type: 'varchar', length: 256 })
  subjectName!: string;

  @Column({ type: 'varchar', length: 32 })
  role!: RoleName;

  @Column({ name: 'scope_kind', type: 'varchar', length: 16 })
  scopeKind!: BindingScope['kind'];

  @Column({ type: 'varchar', length: 63, nullable: true })
  tenant!: string | null;

  @Column({ type: 'varchar', length: 63, nullable: true })
  project!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 256 })
  createdBy!: string;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'varchar', length: 8, default: 'manual' })
  origin!: BindingOrigin;

  @Column({ type: 'boolean', default: false })
  deleted!: boolean;

  /** When this copy last changed: a resync tombstones only rows recorded before it asked. */
  @Column({ name: 'synced_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  syncedAt!: Date;
}
