import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, MoreThan, Repository } from 'typeorm';
import { ClusterHeartbeat, ClusterStatus, ClusterView, SyncError } from '@cube/contracts';
import { Keyset, SealedValue } from '@cube/persistence';
import { ClusterEntity } from './cluster.entity';

/** Clusters page by name. */
export const BY_NAME = new Keyset<[name: string]>(['text']);

/** A row as the raw status-transition statements return it (column names, not entity properties). */
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

function fromEntity(row: ClusterEntity): StoredCluster {
  return {
    name: row.name,
    displayName: row.displayName,
    description: row.description,
    status: row.status,
    kubernetesVersion: row.kubernetesVersion,
    nodes: row.nodes,
    lastHeartbeat: row.lastHeartbeat?.toISOString() ?? null,
    wardenVersion: row.wardenVersion,
    capacity: row.capacity,
    allocated: row.allocated,
    syncErrors: row.syncErrors,
    createdAt: row.createdAt.toISOString(),
    version: row.version,
    credentials: row.credentials,
    credentialsKeyId: row.credentialsKeyId,
  };
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

/**
 * The `clusters.clusters` table: the entity repository for registration, reads and PATCH; raw SQL
 * for the status transitions, each of which reads the previous status under the row lock.
 */
@Injectable()
export class ClustersRepository {
  constructor(private readonly db: DataSource) {}

  private clusters(manager: EntityManager = this.db.manager): Repository<ClusterEntity> {
    return manager.getRepository(ClusterEntity);
  }

  /** Inserts a `pending` cluster; null when the name is taken. */
  async insert(cluster: NewCluster): Promise<StoredCluster | null> {
    const { name, displayName, description, credentials, credentialsKeyId, kubernetesVersion, nodes } = cluster;
    const result = await this.clusters()
      .createQueryBuilder()
      .insert()
      .values({ name, displayName, description, credentials, credentialsKeyId, kubernetesVersion, nodes })
      .orIgnore()
      .returning(['name'])
      .execute();
    return (result.raw as unknown[]).length > 0 ? this.find(name) : null;
  }

  async find(name: string): Promise<StoredCluster | null> {
    const row = await this.clusters().findOneBy({ name });
    return row ? fromEntity(row) : null;
  }

  exists(name: string): Promise<boolean> {
    return this.clusters().existsBy({ name });
  }

  /** Keyset page by name. */
  async list(limit: number, after: string | null): Promise<StoredCluster[]> {
    const rows = await this.clusters().find({
      where: after !== null ? { name: MoreThan(after) } : {},
      order: { name: 'ASC' },
      take: limit,
    });
    return rows.map(fromEntity);
  }

  async delete(name: string, manager: EntityManager = this.db.manager): Promise<StoredCluster | null> {
    const row = await this.clusters(manager).findOneBy({ name });
    if (!row) return null;
    const result = await this.clusters(manager).delete({ name });
    return result.affected ? fromEntity(row) : null;
  }

  /**
   * A heartbeat that cannot change the status (the cluster is `normal`, or `unreachable`, which only a
   * probe ends): one autocommit UPDATE, no transaction and no lock held across round trips. False when
   * it could (`pending`, `abnormal`) or the cluster is gone: recordHeartbeat then decides, in a
   * transaction with the event. The sweeper's conditional UPDATE and this one take the row lock in turn,
   * and PostgreSQL re-checks the status after waiting, so a cluster just marked `abnormal` is left to
   * recordHeartbeat.
   */
  async refreshHeartbeat(
    heartbeat: ClusterHeartbeat,
    allocated: Record<string, string>,
    manager: EntityManager = this.db.manager,
  ): Promise<boolean> {
    // Raw SQL: a conditional single-statement update (the common case, once a second per cluster).
    const rows = returnedRows<{ name: string }>(
      await manager.query(
        `UPDATE "clusters"."clusters" SET "last_heartbeat" = now(), "warden_version" = $2, "kubernetes_version" = $3, "nodes" = $4,
           "capacity" = $5, "allocated" = $6, "sync_errors" = $7
         WHERE "name" = $1 AND "status" IN ('normal', 'unreachable')
         RETURNING "name"`,
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
    return rows.length > 0;
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
    // Raw SQL: the previous status under FOR UPDATE and the transition in one statement.
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
    return row.previous === to ? null : { cluster: publicCluster(toCluster(row)), from: row.previous, to };
  }

  /**
   * Changes what PATCH may change (a new kubeconfig arrives already checked and sealed); null when
   * the cluster is gone.
   */
  async update(
    name: string,
    changes: { displayName?: string; description?: string; credentials?: { sealed: SealedValue; keyId: string } },
    manager: EntityManager = this.db.manager,
  ): Promise<StoredCluster | null> {
    const result = await this.clusters(manager).update(
      { name },
      {
        ...(changes.displayName !== undefined ? { displayName: changes.displayName } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.credentials ? { credentials: changes.credentials.sealed, credentialsKeyId: changes.credentials.keyId } : {}),
        version: () => '"version" + 1',
      },
    );
    if (!result.affected) return null;
    const row = await this.clusters(manager).findOneBy({ name });
    return row ? fromEntity(row) : null;
  }

  /** Every registered cluster with its sealed credentials, for the reachability probe. */
  async all(): Promise<StoredCluster[]> {
    return (await this.clusters().find({ order: { name: 'ASC' } })).map(fromEntity);
  }

  /** Status, last heartbeat and reported sync errors of every cluster, for the metrics scrape (no credentials read). */
  async health(): Promise<{ name: string; status: ClusterStatus; lastHeartbeat: Date | null; syncErrors: number }[]> {
    const rows = await this.clusters().find({
      select: { name: true, status: true, lastHeartbeat: true, syncErrors: true },
      order: { name: 'ASC' },
    });
    return rows.map((row) => ({ name: row.name, status: row.status, lastHeartbeat: row.lastHeartbeat, syncErrors: row.syncErrors.length }));
  }

  /** The control plane's probe failed: `unreachable`, announced once (the condition makes replicas agree). */
  async markUnreachable(name: string, manager: EntityManager = this.db.manager): Promise<StatusTransition | null> {
    // Raw SQL: the previous status under FOR UPDATE and the transition in one statement.
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
  async markReachable(
    name: string,
    heartbeatTimeoutMs: number,
    manager: EntityManager = this.db.manager,
  ): Promise<StatusTransition | null> {
    // Raw SQL: a conditional transition decided by the database clock, in one statement.
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
    // Raw SQL: a bulk transition by the database clock, returning every row it changed.
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
