import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { UserEntity } from '../users/user.entity';

/** A row of `identity.api_tokens`: only the token's SHA-256 is stored; revoking keeps the row. */
@Entity({ name: 'api_tokens' })
@Unique('api_tokens_token_hash_key', ['tokenHash'])
@Unique('api_tokens_user_name_name_key', ['userName', 'name'])
@Index('api_tokens_live_by_user', ['userName', 'createdAt', 'id'], { where: '"revoked_at" IS NULL' })
export class ApiTokenEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'user_name', type: 'varchar', length: 63 })
  userName!: string;

  @Column({ type: 'varchar', length: 128 })
  name!: string;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** Declares the foreign key only (never loaded): the name is the one PostgreSQL gave it in the migration. */
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'user_name', referencedColumnName: 'name', foreignKeyConstraintName: 'api_tokens_user_name_fkey' })
  owner?: UserEntity;
}
