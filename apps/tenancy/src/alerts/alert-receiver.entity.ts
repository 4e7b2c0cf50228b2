import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ProjectEntity } from '../hierarchy/project.entity';

/** A row of `tenancy.alert_receivers`: where a project's firing alerts are sent (webhook and/or e-mail). */
@Entity({ name: 'alert_receivers' })
export class AlertReceiverEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  tenant!: string;

  @PrimaryColumn({ type: 'varchar', length: 63 })
  project!: string;

  @PrimaryColumn({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ name: 'webhook_url', type: 'varchar', length: 2048, nullable: true })
  webhookUrl!: string | null;

  @Column({ name: 'email_to', type: 'varchar', length: 320, nullable: true })
  emailTo!: string | null;

  @Column({ name: 'created_by', type: 'varchar', length: 256 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ type: 'integer', default: 1 })
  version!: number;

  /** Declares the foreign key only (never loaded): a project's receivers go with it. */
  @ManyToOne(() => ProjectEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn([
    { name: 'tenant', referencedColumnName: 'tenant', foreignKeyConstraintName: 'alert_receivers_tenant_project_fkey' },
    { name: 'project', referencedColumnName: 'name', foreignKeyConstraintName: 'alert_receivers_tenant_project_fkey' },
  ])
  owner?: ProjectEntity;
}
