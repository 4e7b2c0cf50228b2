import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  ClusterHeartbeat,
  ClusterStatus,
  ClusterView,
  SyncError,
} from '@cube/contracts';
import { SealedValue } from '@cube/persistence';

interface ClusterRow {
  name: string;
  display_name: string;
  description: string;
  status: ClusterStatus;
  credentials: SealedValue;
  credentials_key_id: string;
  kubernetes_version: string | null;
  nodes: number | null;
  capacity: Record<string, string>;
  allocated: Record<string, string>;
  sync_errors: SyncError[];
  warden_version: string | null;
  last_heartbeat: Date | null;
  created_at: Date;
  version: number;
}

export interface StoredCluster extends ClusterView {
  credentials: SealedValue;
  credentialsKeyId: string;
}

/** A status change that happened in the database, to be announced. */
export interface StatusTransition {
  cluster: ClusterView;
  from: ClusterStatus;
  to: ClusterStatus;
}

/** TypeORM answers an UPDATE/DELETE … RETURNING on PostgreSQL with `[rows, affectedCount]`, other queries with rows. */
function returnedRows<T>(result: T[] | [T[], number]): T[] {
  return Array.isArray(result[0]) ? (result[0] as T[]) : (result as T[]);
}

function toCluster(row: ClusterRow): StoredCluster {
  return {
    name: row.name,
    displayName: row.display_name,
    description: row.description,
    status: row.status,
    kubernetesVersion: row.kubernetes_version,
    nodes: row.nodes,
    lastHeartbeat: row.last_heartbeat?.toISOString() ?? null,
    wardenVersion: row.warden_version,
    capacity: row.capacity,
    allocated: row.allocated,
    syncErrors: row.sync_errors,
    createdAt: row.created_at.toISOString(),
    version: row.version,
    credentials: row.credentials,
    credentialsKeyId: row.credentials_key_id,
  };
}

/** The public view: credentials never leave the service. */
export function publicCluster(cluster: StoredCluster): ClusterView {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { credentials, credentialsKeyId, ...view } = cluster;
  return view;
}

export interface NewCluster {
  name: string;
  displayName: string;
  description: string;
  credentials: SealedValue;
  credentialsKeyId: string;
  kubernetesVersion: string;
  nodes: number;
}

@Injectable()
export class ClustersRepository {
  constructor(private readonly db: DataSource) {}

  /** Inserts a `pending` cluster; null when the name is taken. */
  async insert(cluster: NewCluster): Promise<StoredCluster | null> {
    const rows: ClusterRow[] = await this.db.query(
      `INSERT INTO "clusters"."clusters" ("name", "display_name", "description", "credentials", "credentials_key_id", "kubernetes_version", "nodes")
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ("name") DO NOTHING RETURNING *`,
      [
        cluster.name,
        cluster.displayName,
        cluster.description,
        JSON.stringify(cluster.credentials),
        cluster.credentialsKeyId,
        cluster.kubernetesVersion,
        cluster.nodes,
      ],
    );
    return rows[0] ? toCluster(rows[0]) : null;
  }

  async find(name: string): Promise<StoredCluster | null> {
    const rows: ClusterRow[] = await this.db.query(
      `SELECT * FROM "clusters"."clusters" WHERE "name" = $1`,
      [name],
    );
    return rows[0] ? toCluster(rows[0]) : null;
  }

  async exists(name: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM "clusters"."clusters" WHERE "name" = $1`,
      [name],
    );
    return rows.length > 0;
  }

  /** Keyset page by name. */
  async list(limit: number, after: string | null): Promise<StoredCluster[]> {
    const rows: ClusterRow[] = await this.db.query(
      `SELECT * FROM "clusters"."clusters" WHERE ($1::varchar IS NULL OR "name" > $1) ORDER BY "name" LIMIT $2`,
      [after, limit],
    );
    return rows.map(toCluster);
  }

  async delete(name: string, manager: EntityManager = this.db.manager): Promise<StoredCluster | null> {
    const rows = returnedRows<ClusterRow>(
      await manager.query(
        `DELETE FROM "clusters"."clusters" WHERE "name" = $1 RETURNING *`,
        [name],
      ),
    );
    return rows[0] ? toCluster(rows[0]) : null;
  }

  /**
   * Records a heartbeat and makes the cluster `normal`, unless the control plane's own probe finds
   * it `unreachable`: only the probe ends that state (else the two would flap). The previous status is read under the row
   * lock, so of two replicas receiving heartbeats only one sees (and announces) the transition.
   */
  async recordHeartbeat(
    heartbeat: ClusterHeartbeat,
    allocated: Record<string, string>,
    manager: EntityManager = this.db.manager,
  ): Promise<StatusTransition | null> {
    const rows = returnedRows<ClusterRow & { previous: ClusterStatus }>(
      await manager.query(
        `WITH "prev" AS (SELECT "name", "status" FROM "clusters"."clusters" WHERE "name" = $1 FOR UPDATE)
       UPDATE "clusters"."clusters" c SET
         "status" = CASE WHEN "prev"."status" = 'unreachable' THEN 'unreachable' ELSE 'normal' END, "last_heartbeat" = now(), "warden_version" = $2, "kubernetes_version" = $3, "nodes" = $4,
         "capacity" = $5, "allocated" = $6, "sync_errors" = $7,
         "version" = c."version" + CASE WHEN "prev"."status" IN ('normal', 'unreachable') THEN 0 ELSE 1 END
       FROM "prev" WHERE c."name" = "prev"."name"
       RETURNING c.*, "prev"."status" AS "previous"`,
        [
          heartbeat.clusterId,
          heartbeat.wardenVersion,
          heartbeat.kubernetesVersion,
          heartbeat.nodes,
          JSON.stringify(heartbeat.capacity),
          JSON.stringify(allocated),
          JSON.stringify(heartbeat.syncErrors),
        ],
      ),
    );
    const row = rows[0];
    if (!row) return null;
    const to: ClusterStatus = row.status;
    return row.previous === to
      ? null
      : { cluster: publicCluster(toCluster(row)), from: row.previous, to };
  }

  /**
   * Changes what PATCH may change, in one UPDATE (a new kubeconfig arrives already checked and
   * sealed); null when the cluster is gone.
   */
  async update(
    name: string,
    changes: { displayName?: string; description?: string; credentials?: { sealed: SealedValue; keyId: string } },
    manager: EntityManager = this.db.manager,
  ): Promise<StoredCluster | null> {
    const rows = returnedRows<ClusterRow>(
      await manager.query(
        `UPDATE "clusters"."clusters" SET
           "display_name" = COALESCE($2, "display_name"), "description" = COALESCE($3, "description"),
           "credentials" = COALESCE($4::jsonb, "credentials"), "credentials_key_id" = COALESCE($5, "credentials_key_id"),
           "version" = "version" + 1
         WHERE "name" = $1 RETURNING *`,
        [
          name,
          changes.displayName ?? null,
          changes.description ?? null,
          changes.credentials ? JSON.stringify(changes.credentials.sealed) : null,
          changes.credentials?.keyId ?? null,
        ],
      ),
    );
    return rows[0] ? toCluster(rows[0]) : null;
  }

  /** Every registered cluster with its sealed credentials, for the reachability probe. */
  async all(): Promise<StoredCluster[]> {
    const rows: ClusterRow[] = await this.db.query(`SELECT * FROM "clusters"."clusters" ORDER BY "name"`);
    return rows.map(toCluster);
  }

  /** The control plane's probe failed: `unreachable`, announced once (the condition makes replicas agree). */
  async markUnreachable(name: string, manager: EntityManager = this.db.manager): Promise<StatusTransition | null> {
    const rows = returnedRows<ClusterRow & { previous: ClusterStatus }>(
      await manager.query(
        `WITH "prev" AS (SELECT "name", "status" FROM "clusters"."clusters" WHERE "name" = $1 AND "status" <> 'unreachable' FOR UPDATE)
         UPDATE "clusters"."clusters" c SET "status" = 'unreachable', "version" = c."version" + 1
         FROM "prev" WHERE c."name" = "prev"."name"
         RETURNING c.*, "prev"."status" AS "previous"`,
        [name],
      ),
    );
    const row = rows[0];
    return row ? { cluster: publicCluster(toCluster(row)), from: row.previous, to: 'unreachable' } : null;
  }

  /**
   * The probe succeeded on an `unreachable` cluster: `normal` when its last heartbeat is within the
   * timeout, `abnormal` when Warden has been heard from but not lately, `pending` when never.
   */
  async markReachable(name: string, heartbeatTimeoutMs: number, manager: EntityManager = this.db.manager): Promise<StatusTransition | null> {
    const rows = returnedRows<ClusterRow>(
      await manager.query(
        `UPDATE "clusters"."clusters" SET "version" = "version" + 1, "status" = CASE
           WHEN "last_heartbeat" IS NULL THEN 'pending'
           WHEN "last_heartbeat" >= now() - make_interval(secs => $2::double precision / 1000) THEN 'normal'
           ELSE 'abnormal' END
         WHERE "name" = $1 AND "status" = 'unreachable' RETURNING *`,
        [name, heartbeatTimeoutMs],
      ),
    );
    const row = rows[0];
    return row ? { cluster: publicCluster(toCluster(row)), from: 'unreachable', to: row.status } : null;
  }

  /** Turns every `normal` cluster silent for longer than `timeoutMs` `abnormal`; returns the transitions. */
  async markSilentAbnormal(timeoutMs: number, manager: EntityManager = this.db.manager): Promise<StatusTransition[]> {
    const rows = returnedRows<ClusterRow>(
      await manager.query(
        `UPDATE "clusters"."clusters" SET "status" = 'abnormal', "version" = "version" + 1
       WHERE "status" = 'normal' AND "last_heartbeat" < now() - make_interval(secs => $1::double precision / 1000)
       RETURNING *`,
        [timeoutMs],
      ),
    );
    return rows.map((row) => ({
      cluster: publicCluster(toCluster(row)),
      from: 'normal',
      to: 'abnormal',
    }));
  }
}
