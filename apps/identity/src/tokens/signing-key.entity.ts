import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JWK } from 'jose';
import type { JsonWebKeySet } from '@cube/contracts';
import type { SealedValue } from '@cube/persistence';

/**
 * A row of `identity.signing_keys`: an Ed25519 key pair as JWKs. A retired key stays published
 * (in the JWKS) until `published_until`, when every token it signed has expired.
 */
@Entity({ name: 'signing_keys' })
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid!: string;

  /** Sealed with CUBE_SECRET_KEY when one is configured. */
  @Column({ name: 'private_jwk', type: 'jsonb' })
  privateJwk!: JWK | SealedValue;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk!: JsonWebKeySet['keys'][number];

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;

  @Column({ name: 'published_until', type: 'timestamptz', nullable: true })
  publishedUntil!: Date | null;
}
