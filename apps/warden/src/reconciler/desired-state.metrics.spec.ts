import { CubeMetrics } from '@cube/observability';
import { parsePrometheusText, sampleValue } from '@cube/observability/testing';
import { parseKubeconfig } from '@cube/kube';
import { KubeServer, startKubeServer } from '@cube/testing';
import { SyncStatus } from '../agent/sync-status';
import { MirrorListener } from '../autonomy/kv-mirror';
import { DesiredStateReconciler } from './desired-state-reconciler';
import { wardenSyncMetrics } from './desired-state.metrics';

const quiet = { log: () => undefined, warn: () => undefined };

/** The bucket's mirror reduced to what the reconciler and the metrics read: one snapshot, then nothing. */
class FixedDesiredState {
  constructor(private readonly entries: Map<string, unknown>) {}
  subscribe(listener: MirrorListener<unknown>): () => void {
    listener({ kind: 'snapshot', entries: this.entries, revision: 7 });
    return () => undefined;
  }
  get(key: string): unknown {
    return this.entries.get(key);
  }
  snapshot(): ReadonlyMap<string, unknown> {
    return this.entries;
  }
}

describe('Warden sync metrics', () => {
  let member: KubeServer;
  beforeAll(async () => {
    member = await startKubeServer({ name: 'warden-metrics' });
  });
  afterAll(async () => {
    await member?.stop();
  });

  it("counts a refused apply by the API server's reason and counts the objects not applied as pending", async () => {
    const desired = new FixedDesiredState(
      new Map<string, unknown>([
        ['namespace.acme.web', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'acme-web' } }],
        // Its namespace does not exist: the API server answers NotFound, every retry again.
        [
          'quota.ghost',
          { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'cube-quota', namespace: 'ghost' }, spec: { hard: { pods: '1' } } },
        ],
        ['broken', 'not an object'],
      ]),
    );
    const metrics = new CubeMetrics('warden', { cluster: 'member-a' });
    const sync = new SyncStatus();
    wardenSyncMetrics(metrics, sync, desired);
    const reconciler = new DesiredStateReconciler({
      desired,
      kubeConfig: parseKubeconfig(member.kubeconfig),
      sync,
      logger: quiet,
      initialBackoffMs: 60_000,
    });
    reconciler.start();
    try {
      const deadline = Date.now() + 15_000;
      while (reconciler.completedResyncs === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(reconciler.completedResyncs).toBe(1);

      const samples = parsePrometheusText(await metrics.render());
      const labels = { service: 'warden', cluster: 'member-a' };
      expect(sampleValue(samples, 'cube_warden_sync_failures_total', { ...labels, operation: 'apply', reason: 'NotFound' })).toBe(1);
      expect(sampleValue(samples, 'cube_warden_sync_failures_total', { ...labels, operation: 'apply', reason: 'NotAnObject' })).toBe(1);
      expect(sampleValue(samples, 'cube_warden_desired_objects_pending', labels)).toBe(2);
      expect(sampleValue(samples, 'cube_warden_sync_errors', labels)).toBe(2);
      expect(sampleValue(samples, 'cube_warden_applied_revision', labels)).toBe(7);
    } finally {
      await reconciler.stop();
    }
  });
});
