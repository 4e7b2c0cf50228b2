import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ComponentPhase } from '@cube/contracts';

/**
 * What one cluster was last given of one component (the config generation and its fingerprint:
 * an unchanged fingerprint keeps the generation, so nothing is rewritten) and the phase its Warden's
 * reports give.
 */
@Entity({ name: 'cluster_components' })
export class ClusterComponentEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 }) cluster!: string;
  @PrimaryColumn({ type: 'varchar', length: 63 }) component!: string;
  @Column({ type: 'integer' }) generation!: number;
  @Column({ type: 'char', length: 64 }) fingerprint!: string;
  @Column({ type: 'varchar', length: 16 }) phase!: ComponentPhase;
  @Column({ type: 'varchar', length: 4096, default: '' }) message!: string;
  @Column({ name: 'observed_generation', type: 'integer', nullable: true }) observedGeneration!: number | null;
  /** The generation that last reached `running`: a later loss of readiness at it is `degraded`, not `applying`. */
  @Column({ name: 'running_generation', type: 'integer', nullable: true }) runningGeneration!: number | null;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt!: Date;
}
