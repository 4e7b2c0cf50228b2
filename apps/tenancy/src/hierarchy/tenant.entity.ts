import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of `tenancy.tenants` (migration 1764170000000-tenancy); `version` is bumped by each update. */
@Entity({ name: 'tenants' })
export class TenantEntity {
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
}
