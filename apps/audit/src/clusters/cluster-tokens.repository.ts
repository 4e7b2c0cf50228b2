import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/** `audit.cluster_tokens`: the hash of each member cluster's audit webhook token, filled by the clusters service. */
@Injectable()
export class ClusterTokensRepository {
  constructor(private readonly db: DataSource) {}

  async set(cluster: string, token: string): Promise<void> {
    await this.db.query(
      `INSERT INTO "audit"."cluster_tokens" ("cluster", "token_hash") VALUES ($1, $2)
       ON CONFLICT ("cluster") DO UPDATE SET "token_hash" = EXCLUDED."token_hash", "created_at" = now()`,
      [cluster, sha256(token)],
    );
  }

  async delete(cluster: string): Promise<void> {
    await this.db.query(`DELETE FROM "audit"."cluster_tokens" WHERE "cluster" = $1`, [cluster]);
  }

  async matches(cluster: string, token: string): Promise<boolean> {
    const rows = (await this.db.query(`SELECT "token_hash" FROM "audit"."cluster_tokens" WHERE "cluster" = $1`, [cluster])) as {
      token_hash: string;
    }[];
    const stored = rows[0]?.token_hash;
    return stored !== undefined && timingSafeEqual(Buffer.from(stored), Buffer.from(sha256(token)));
  }
}
