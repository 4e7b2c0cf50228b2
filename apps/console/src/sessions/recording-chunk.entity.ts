import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ConsoleSessionEntity } from './console-session.entity';

/** A bounded batch of a session's asciicast v2 event lines, in order of `seq`. */
@Entity({ name: 'recording_chunks' })
export class RecordingChunkEntity {
  @PrimaryColumn({ name: 'session_id', type: 'uuid' }) sessionId!: string;
  @PrimaryColumn({ type: 'integer' }) seq!: number;
  /** Newline-terminated asciicast event lines. */
  @Column({ type: 'text' }) lines!: string;

  /** Removing a session removes its recording. */
  @ManyToOne(() => ConsoleSessionEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'session_id', foreignKeyConstraintName: 'recording_chunks_session_id_fkey' })
  session?: ConsoleSessionEntity;
}
