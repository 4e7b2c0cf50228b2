import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A bounded batch of a session's asciicast v2 event lines, in order of `seq`. */
@Entity({ name: 'recording_chunks' })
export class RecordingChunkEntity {
  @PrimaryColumn({ name: 'session_id', type: 'uuid' }) sessionId!: string;
  @PrimaryColumn({ type: 'integer' }) seq!: number;
  /** Newline-terminated asciicast event lines. */
  @Column({ type: 'text' }) lines!: string;
}
