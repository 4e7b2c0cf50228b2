import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import { SigningKeyEntity } from './signing-key.entity';

/** The `identity.signing_keys` table: the active key (not retired) and the retired ones still published. */
@Injectable()
export class SigningKeysRepository {
  constructor(private readonly db: DataSource) {}

  private keys(manager: EntityManager = this.db.manager): Repository<SigningKeyEntity> {
    return manager.getRepository(SigningKeyEntity);
  }

  /** The newest key not retired, or null. */
  newestActive(): Promise<SigningKeyEntity | null> {
    return this.keys().findOne({ where: { retiredAt: IsNull() }, order: { createdAt: 'DESC' } });
  }

  /**
   * Adds `key` as the active key and retires the others (still published for `publishRetiredSeconds`),
   * unless an active key younger than `freshSeconds` exists (another replica rotated first): then that one is returned.
   */
  replaceActive(
    key: Pick<SigningKeyEntity, 'kid' | 'privateJwk' | 'publicJwk'>,
    freshSeconds: number,
    publishRetiredSeconds: number,
  ): Promise<{ key: SigningKeyEntity; rotated: boolean }> {
    return this.db.transaction('READ COMMITTED', async (tx) => {
      // Raw SQL: TypeORM has no table lock; it serializes rotations across replicas (readers of the JWKS are not blocked).
      await tx.query('LOCK TABLE "identity"."signing_keys" IN SHARE ROW EXCLUSIVE MODE');
      const fresh = await this.keys(tx)
        .createQueryBuilder('k')
        .where('k.retiredAt IS NULL AND k.createdAt > now() - make_interval(secs => :freshSeconds)', { freshSeconds })
        .orderBy('k.createdAt', 'DESC')
        .getOne();
      if (fresh) return { key: fresh, rotated: false };
      await this.keys(tx)
        .createQueryBuilder()
        .update()
        .set({ retiredAt: () => 'now()', publishedUntil: () => 'now() + make_interval(secs => :publishRetiredSeconds)' })
        .where('retired_at IS NULL')
        .setParameter('publishRetiredSeconds', publishRetiredSeconds)
        .execute();
      await this.keys(tx).save(this.keys(tx).create(key));
      return { key: await this.keys(tx).findOneByOrFail({ kid: key.kid }), rotated: true };
    });
  }

  /** The keys still needed to verify unexpired tokens, newest first. */
  published(): Promise<SigningKeyEntity[]> {
    return this.keys()
      .createQueryBuilder('k')
      .where('k.retiredAt IS NULL OR k.publishedUntil > now()')
      .orderBy('k.createdAt', 'DESC')
      .getMany();
  }
}
