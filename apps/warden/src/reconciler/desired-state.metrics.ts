import { Provider } from '@nestjs/common';
import { CubeMetrics, WardenSyncMetrics } from '@cube/observability';
import { SyncStatus } from '../agent/sync-status';
import { WARDEN_AUTONOMY } from '../autonomy/autonomy-sync';
import { WardenAutonomy } from '../autonomy/warden-autonomy';

/** Desired state as the bucket's mirror holds it, and how far the cluster is from it. */
export interface DesiredStateView {
  snapshot(): ReadonlyMap<string, unknown>;
}

/**
 * Warden's sync metrics: every failed apply or delete counted by operation and Kubernetes' reason,
 * and at each scrape the desired objects not applied as desired now, those failing, and the revision applied.
 */
export function wardenSyncMetrics(metrics: CubeMetrics, sync: SyncStatus, desired: DesiredStateView): WardenSyncMetrics {
  const syncMetrics = new WardenSyncMetrics(metrics, {
    pendingObjects: () => {
      let pending = 0;
      for (const [key, value] of desired.snapshot()) if (!sync.isApplied(key, value)) pending += 1;
      return pending;
    },
    failingObjects: () => sync.current().length,
    appliedRevision: () => sync.appliedRevision,
  });
  sync.onFailure((failure) => syncMetrics.failures.inc({ operation: failure.operation, reason: failure.reason }));
  return syncMetrics;
}

export const WARDEN_SYNC_METRICS_PROVIDER: Provider = {
  provide: WardenSyncMetrics,
  inject: [CubeMetrics, SyncStatus, WARDEN_AUTONOMY],
  useFactory: (metrics: CubeMetrics, sync: SyncStatus, autonomy: WardenAutonomy) => wardenSyncMetrics(metrics, sync, autonomy.desired),
};
