import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HardMap } from './quota-ledger';

/** `tenancy.quota_usage`: what each namespace's ResourceQuotas use, per cluster, as Warden last reported it. */
@Injectable()
export class QuotaUsageRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Replaces the cluster's usage with a heartbeat's (a namespace no longer reported is dropped).
   * `reported_at` only moves forward, so a late heartbeat cannot overwrite a newer one.
   */
  async replaceClusterUsage(cluster: string, usage: Map<string, HardMap>, at: Date): Promise<void> {
    const namespaces = [...usage.keys()];
    await this.db.transaction('READ COMMITTED', async (tx) => {
      await tx.query(
        `DELETE FROM "tenancy"."quota_usage" WHERE "cluster" = $1 AND "reported_at" <= $2 AND NOT ("namespace" = ANY($3::varchar[]))`,
        [cluster, at, namespaces],
      );
      if (namespaces.length === 0) return;
      // Raw SQL: one upsert for the whole heartbeat, however many namespaces it reports, guarded by reported_at.
      await tx.query(
        `INSERT INTO "tenancy"."quota_usage" ("cluster", "namespace", "used", "reported_at")
         SELECT $1, u."namespace", u."used", $3 FROM jsonb_to_recordset($2::jsonb) AS u("namespace" varchar, "used" jsonb)
         ON CONFLICT ("cluster", "namespace") DO UPDATE SET "used" = EXCLUDED."used", "reported_at" = EXCLUDED."reported_at"
         WHERE "quota_usage"."reported_at" <= EXCLUDED."reported_at"`,
        [cluster, JSON.stringify([...usage].map(([namespace, used]) => ({ namespace, used }))), at],
      );
    });
  }

  /** The reported usage of these namespaces (none until Warden reports), by cluster. */
  async usageOf(namespaces: { cluster: string; name: string }[]): Promise<{ cluster: string; used: HardMap }[]> {
    if (namespaces.length === 0) return [];
    return (await this.db.query(
      `SELECT u."cluster", u."used" FROM "tenancy"."quota_usage" u
       JOIN unnest($1::varchar[], $2::varchar[]) AS n("cluster", "name") ON n."cluster" = u."cluster" AND n."name" = u."namespace"`,
      [namespaces.map((namespace) => namespace.cluster), namespaces.map((namespace) => namespace.name)],
    )) as { cluster: string; used: HardMap }[];
  }
}
