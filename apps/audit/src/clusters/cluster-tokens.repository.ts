import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { ClusterTokenEntity } from './cluster-token.entity';

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/** `audit.cluster_tokens`: the hash of each member cluster's audit webhook token, filled by the clusters service. */
@Injectable()
export class ClusterTokensRepository {
  constructor(private readonly db: DataSource) {}

  private get tokens(): Repository<ClusterTokenEntity> {
    return this.db.getRepository(ClusterTokenEntity);
  }

  /** Stores (or replaces) the cluster's token hash. */
  async set(cluster: string, token: string): Promise<void> {
    await this.tokens.upsert({ cluster, tokenHash: sha256(token), createdAt: () => 'now()' }, ['cluster']);
  }

  async delete(cluster: string): Promise<void> {
    await this.tokens.delete({ cluster });
  }

  async matches(cluster: string, token: string): Promise<boolean> {
    const stored = (await this.tokens.findOneBy({ cluster }))?.tokenHash;
    return stored !== undefined && timingSafeEqual(Buffer.from(stored), Buffer.from(sha256(token)));
  }
}
