import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { HardMap } from './quota-ledger';

export interface TenantQuotaRow {
  tenant: string;
  cluster: string;
  hard: HardMap;
  version: number;
}

/**
 * `tenancy.tenant_quotas`: each tenant's quota per cluster, and the ledger's lock. Raw SQL on
 * purpose: every write happens under the row lock below, inside the ledger's SERIALIZABLE transaction.
 */
@Injectable()
export class QuotaLedgerRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * The ledger's lock: the (tenant, cluster) quota row, FOR UPDATE. Every change of a share in that
   * (tenant, cluster) takes it first, so concurrent allocations are checked one after another.
   */
  async lockTenantQuota(tx: EntityManager, tenant: string, cluster: string): Promise<TenantQuotaRow | null> {
    const rows = (await tx.query(`SELECT * FROM "tenancy"."tenant_quotas" WHERE "tenant" = $1 AND "cluster" = $2 FOR UPDATE`, [
      tenant,
      cluster,
    ])) as TenantQuotaRow[];
    return rows[0] ?? null;
  }

  /** Creates the row (empty) if missing, then locks it. */
  async lockOrCreateTenantQuota(tx: EntityManager, tenant: string, cluster: string): Promise<TenantQuotaRow> {
    await tx.query(`INSERT INTO "tenancy"."tenant_quotas" ("tenant", "cluster") VALUES ($1, $2) ON CONFLICT DO NOTHING`, [tenant, cluster]);
    const row = await this.lockTenantQuota(tx, tenant, cluster);
    if (!row) throw new Error(`tenant quota row ${tenant}/${cluster} vanished inside its transaction`);
    return row;
  }

  async setTenantHard(tx: EntityManager, tenant: string, cluster: string, hard: HardMap): Promise<TenantQuotaRow> {
    const rows = (await tx.query(
      `UPDATE "tenancy"."tenant_quotas" SET "hard" = $3, "updated_at" = now(), "version" = "version" + 1 WHERE "tenant" = $1 AND "cluster" = $2 RETURNING *`,
      [tenant, cluster, JSON.stringify(hard)],
    )) as [TenantQuotaRow[], number];
    return rows[0][0] as TenantQuotaRow;
  }

  async tenantQuotas(tenant: string): Promise<TenantQuotaRow[]> {
    return (await this.db.query(`SELECT * FROM "tenancy"."tenant_quotas" WHERE "tenant" = $1 ORDER BY "cluster"`, [
      tenant,
    ])) as TenantQuotaRow[];
  }

  /** A (tenant, cluster) quota row as committed, without the lock (the ledger publisher's read). */
  async tenantQuota(tenant: string, cluster: string): Promise<TenantQuotaRow | null> {
    const rows = (await this.db.query(`SELECT * FROM "tenancy"."tenant_quotas" WHERE "tenant" = $1 AND "cluster" = $2`, [
      tenant,
      cluster,
    ])) as TenantQuotaRow[];
    return rows[0] ?? null;
  }

  /** Each (tenant, cluster) with a quota row. */
  async quotaPlacements(): Promise<{ tenant: string; cluster: string }[]> {
    return (await this.db.query(`SELECT "tenant", "cluster" FROM "tenancy"."tenant_quotas"`)) as { tenant: string; cluster: string }[];
  }

  async deleteTenantQuotas(tx: EntityManager, tenant: string): Promise<void> {
    await tx.query(`DELETE FROM "tenancy"."tenant_quotas" WHERE "tenant" = $1`, [tenant]);
  }
}
