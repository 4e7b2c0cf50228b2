import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { ConsoleSessionState } from '@cube/contracts';

/** One terminal: who, where, its single-use ticket (as a SHA-256 only) and how it ended. */
@Entity({ name: 'sessions' })
// The per-user limit counts a user's open sessions (partial); lists go newest first (DESC): as the migration made them.
@Index('sessions_user_open', { synchronize: false })
@Index('sessions_created', { synchronize: false })
export class ConsoleSessionEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: 'console' | 'cloudshell';
  @Column({ name: 'user_name', type: 'varchar', length: 256 }) user!: string;
  @Column({ name: 'user_groups', type: 'jsonb' }) groups!: string[];
  @Column({ type: 'varchar', length: 63 }) cluster!: string;
  @Column({ type: 'varchar', length: 63 }) namespace!: string;
  @Column({ type: 'varchar', length: 253 }) pod!: string;
  @Column({ type: 'varchar', length: 63 }) container!: string;
  @Column({ type: 'jsonb' }) commands!: string[][];
  @Column({ type: 'varchar', length: 63 }) tenant!: string;
  @Column({ type: 'varchar', length: 63 }) project!: string;
  @Column({ type: 'varchar', length: 16 }) state!: ConsoleSessionState;
  /** Hex SHA-256 of the ticket; NULL once redeemed. */
  @Column({ name: 'ticket_hash', type: 'char', length: 64, nullable: true }) ticketHash!: string | null;
  @Column({ name: 'ticket_expires_at', type: 'timestamptz' }) ticketExpiresAt!: Date;
  @Column({ name: 'record_input', type: 'boolean' }) recordInput!: boolean;
  /** A CloudShell's API token (identity's id), revoked when the shell ends. */
  @Column({ name: 'token_id', type: 'uuid', nullable: true }) tokenId!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true }) endedAt!: Date | null;
  @Column({ name: 'exit_code', type: 'integer', nullable: true }) exitCode!: number | null;
  @Column({ name: 'end_reason', type: 'varchar', length: 1024, nullable: true }) endReason!: string | null;
  @Column({ type: 'integer', default: 80 }) cols!: number;
  @Column({ type: 'integer', default: 24 }) rows!: number;
}
