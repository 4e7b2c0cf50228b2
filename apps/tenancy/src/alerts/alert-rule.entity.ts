import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ProjectEntity } from '../hierarchy/project.entity';

/** A row of `tenancy.alert_rules`: a project's PromQL alert, evaluated centrally and scoped to the project's namespaces. */
@Entity({ name: 'alert_rules' })
export class AlertRuleEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  tenant!: string;

  @PrimaryColumn({ type: 'varchar', length: 63 })
  project!: string;

  @PrimaryColumn({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ type: 'varchar', length: 4096 })
  expr!: string;

  @Column({ name: 'for', type: 'varchar', length: 32 })
  for!: string;

  @Column({ type: 'varchar', length: 16 })
  severity!: string;

  @Column({ type: 'varchar', length: 1024 })
  summary!: string;

  @Column({ name: 'created_by', type: 'varchar', length: 256 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  /** Declares the foreign key only (never loaded): a project's rules go with it. */
  @ManyToOne(() => ProjectEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn([
    { name: 'tenant', referencedColumnName: 'tenant', foreignKeyConstraintName: 'alert_rules_tenant_project_fkey' },
    { name: 'project', referencedColumnName: 'name', foreignKeyConstraintName: 'alert_rules_tenant_project_fkey' },
  ])
  owner?: ProjectEntity;
}
