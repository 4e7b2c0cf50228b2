import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ClusterStatus, SyncError } from '@cube/contracts';
import { SealedValue } from '@cube/persistence';

/** A row of `clusters.clusters`: a member cluster, its sealed credentials and the last state Warden reported. */
@Entity({ name: 'clusters' })
@Index('clusters_status_heartbeat', ['status', 'lastHeartbeat'])
@Check('clusters_status_check', `"status" IN ('pending', 'normal', 'abnormal', 'unreachable')`)
export class ClusterEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 256, default: '' })
  displayName!: string;

  @Column({ type: 'varchar', length: 2048, default: '' })
  description!: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: ClusterStatus;

  @Column({ type: 'jsonb' })
  credentials!: SealedValue;

  @Column({ name: 'credentials_key_id', type: 'varchar', length: 64 })
  credentialsKeyId!: string;

  @Column({ name: 'kubernetes_version', type: 'varchar', length: 64, nullable: true })
  kubernetesVersion!: string | null;

  @Column({ type: 'integer', nullable: true })
  nodes!: number | null;

  @Column({ type: 'jsonb', default: {} })
  capacity!: Record<string, string>;

  @Column({ type: 'jsonb', default: {} })
  allocated!: Record<string, string>;

  @Column({ name: 'sync_errors', type: 'jsonb', default: [] })
  syncErrors!: SyncError[];

  @Column({ name: 'warden_version', type: 'varchar', length: 64, nullable: true })
  wardenVersion!: string | null;

  @Column({ name: 'last_heartbeat', type: 'timestamptz', nullable: true })
  lastHeartbeat!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ type: 'integer', default: 1 })
  version!: number;
}
