import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of `audit.cluster_tokens`: the SHA-256 of a member cluster's audit webhook token. */
@Entity({ name: 'cluster_tokens' })
export class ClusterTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  cluster!: string;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
