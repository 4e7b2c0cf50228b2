import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ProjectEntity } from './project.entity';

/** A row of `tenancy.namespaces`: unique per cluster (as in Kubernetes) whatever tenant holds it; `quota` is its share of the tenant's. */
@Entity({ name: 'namespaces' })
@Index('namespaces_tenant_cluster', ['tenant', 'cluster'])
@Index('namespaces_project', ['tenant', 'project'])
export class NamespaceEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  cluster!: string;

  @PrimaryColumn({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'varchar', length: 63 })
  tenant!: string;

  @Column({ type: 'varchar', length: 63 })
  project!: string;

  @Column({ type: 'jsonb', nullable: true })
  quota!: Record<string, string> | null;

  @Column({ name: 'created_by', type: 'varchar', length: 256 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  /** Declares the foreign key only (never loaded): the name is the one PostgreSQL gave it in the migration. */
  @ManyToOne(() => ProjectEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn([
    { name: 'tenant', referencedColumnName: 'tenant', foreignKeyConstraintName: 'namespaces_tenant_project_fkey' },
    { name: 'project', referencedColumnName: 'name', foreignKeyConstraintName: 'namespaces_tenant_project_fkey' },
  ])
  owner?: ProjectEntity;
}
