import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { UserSource, UserState } from '@cube/contracts';

/** A row of `identity.users`; `version` is bumped by each change a client can see. */
@Entity({ name: 'users' })
@Check('users_state_check', `"state" IN ('active', 'disabled')`)
@Check('users_source_check', `"source" IN ('local', 'ldap', 'oidc')`)
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 63 })
  name!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 256, default: '' })
  displayName!: string;

  @Column({ type: 'varchar', length: 320, nullable: true })
  email!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  phone!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  state!: UserState;

  @Column({ type: 'varchar', length: 16 })
  source!: UserSource;

  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash!: string | null;

  /** Directory groups (LDAP/OIDC), carried in access tokens and matched by Group bindings. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  groups!: string[];

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt!: Date | null;

  @Column({ type: 'integer', default: 1 })
  version!: number;
}
