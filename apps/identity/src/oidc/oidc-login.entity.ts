import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A row of `identity.oidc_logins`: a login begun at the provider, keyed by its state's SHA-256, until its callback. */
@Entity({ name: 'oidc_logins' })
@Index('oidc_logins_expires_at', ['expiresAt'])
export class OidcLoginEntity {
  @PrimaryColumn({ name: 'state_hash', type: 'char', length: 64 })
  stateHash!: string;

  @Column({ type: 'varchar', length: 128 })
  nonce!: string;

  @Column({ name: 'code_verifier', type: 'varchar', length: 128 })
  codeVerifier!: string;

  @Column({ type: 'varchar', length: 2048 })
  redirect!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
