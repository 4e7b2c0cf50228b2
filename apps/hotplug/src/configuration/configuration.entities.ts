import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Platform defaults of one component; a component without a row is disabled with its catalog values. */
@Entity({ name: 'component_defaults' })
export class ComponentDefaultsEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 }) component!: string;
  @Column({ type: 'boolean' }) enabled!: boolean;
  @Column({ type: 'jsonb' }) values!: Record<string, unknown>;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt!: Date;
  @Column({ type: 'integer', default: 1 }) version!: number;
}

/** One cluster's override of a component: what it sets wins over the defaults (null: not set). */
@Entity({ name: 'component_overrides' })
export class ComponentOverrideEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 }) cluster!: string;
  @PrimaryColumn({ type: 'varchar', length: 63 }) component!: string;
  @Column({ type: 'boolean', nullable: true }) enabled!: boolean | null;
  @Column({ type: 'jsonb', nullable: true }) values!: Record<string, unknown> | null;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt!: Date;
  @Column({ type: 'integer', default: 1 }) version!: number;
}
