import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TenantEntity } from './tenant.entity';

/** A row of `tenancy.projects`: named within its tenant, which cannot be deleted while it has projects. */
@Entity({ name: 'projects' })
export class ProjectEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  tenant!: string;

  @PrimaryColumn({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 256, default: '' })
  displayName!: string;

  @Column({ type: 'varchar', length: 2048, default: '' })
  description!: string;

  @Column({ type: 'jsonb', default: {} })
  labels!: Record<string, string>;

  @Column({ name: 'created_by', type: 'varchar', length: 256 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  /** Declares the foreign key only (never loaded): the name is the one PostgreSQL gave it in the migration. */
  @ManyToOne(() => TenantEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'tenant', referencedColumnName: 'name', foreignKeyConstraintName: 'projects_tenant_fkey' })
  owner?: TenantEntity;
}
