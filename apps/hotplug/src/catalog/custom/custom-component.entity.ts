import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A user-uploaded component: its YAML bundle as uploaded (placeholders kept), checked at upload. */
@Entity({ name: 'custom_components' })
export class CustomComponentEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 }) name!: string;
  @Column({ type: 'varchar', length: 63 }) namespace!: string;
  @Column({ type: 'varchar', length: 2048, default: '' }) description!: string;
  @Column({ type: 'text' }) bundle!: string;
  @Column({ name: 'bundle_sha256', type: 'char', length: 64 }) bundleSha256!: string;
  @Column({ type: 'integer' }) objects!: number;
  @Column({ name: 'created_by', type: 'varchar', length: 256 }) createdBy!: string;
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' }) updatedAt!: Date;
  @Column({ type: 'integer', default: 1 }) version!: number;
}
