import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { BindingOrigin, BindingScope, RoleName } from '@cube/contracts';

/**
 * A row of `identity.role_bindings`. Equal bindings (subject, role, scope) are refused by the
 * expression index `role_bindings_unique` (COALESCE over tenant/project), which TypeORM cannot
 * describe: the migration owns it and the schema comparison leaves it alone.
 */
@Entity({ name: 'role_bindings' })
@Index('role_bindings_unique', { synchronize: false })
@Check('role_bindings_subject_kind_check', `"subject_kind" IN ('User', 'Group')`)
@Check('role_bindings_scope_kind_check', `"scope_kind" IN ('platform', 'tenant', 'project')`)
@Check('role_bindings_origin_check', `"origin" IN ('manual', 'ldap', 'oidc')`)
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

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 256 })
  createdBy!: string;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column({ type: 'varchar', length: 8, default: 'manual' })
  origin!: BindingOrigin;

  /** Which directory group of a login source's mapping made this binding (null for manual ones). */
  @Column({ name: 'origin_group', type: 'varchar', length: 1024, nullable: true })
  originGroup!: string | null;
}
