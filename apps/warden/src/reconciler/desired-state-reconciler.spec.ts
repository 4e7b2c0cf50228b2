import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { DesiredStateStore } from '@cube/messaging';
import { ADMIN_USER, KubeServer, startKubeServer } from '@cube/testing';
import type { AdmissionPlugin } from '@cube/testing';
import { parseKubeconfig, RawObjectApi } from '@cube/kube';
import { KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { performance } from 'node:perf_hooks';
import { SyncStatus } from '../agent/sync-status';
import { KvMirror } from '../autonomy/kv-mirror';
import { StateCache } from '../autonomy/state-cache';
import { DesiredStateReconciler } from './desired-state-reconciler';
import { until } from '@cube/messaging/testing';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const randomClusterId = () => `t${randomBytes(5).toString('hex')}`;
const quiet = { log: () => undefined, warn: () => undefined };

const namespace = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
});
const quota = (ns: string, cpu: string) => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'cube-quota', namespace: ns },
  spec: { hard: { 'requests.cpu': cpu } },
});

/** What the test server saw of Warden's writes: requests by method, and each write's admission (start, end). */
interface Admitted {
  kind: string;
  namespace: string;
  name: string;
  value: string | undefined;
  started: number;
  ended?: number;
}

describe('Warden applying desired state', () => {
  const requests: Record<string, number> = {};
  const writes = () => Object.entries(requests).reduce((sum, [method, n]) => (method === 'GET' ? sum : sum + n), 0);
  let admitted: Admitted[] = [];
  let inAdmission = 0;
  let mostInAdmission = 0;
  /** Holds a write in admission while it answers false (only ResourceQuotas, the objects these tests watch). */
  let admissionDelayMs = 0;
  let gate: ((a: Admitted) => Promise<void>) | undefined;
  let adminToken = '';
  // A validating plugin runs just before storage: what it sees is what Warden has in flight.
  const probe: AdmissionPlugin = {
    name: 'WardenWriteProbe',
    validate: async (a) => {
      if (a.user.username !== ADMIN_USER.username || a.operation === 'DELETE') return;
      const hard = (a.object?.['spec'] as { hard?: Record<string, string> } | undefined)?.hard;
      const record: Admitted = {
        kind: a.type.kind,
        namespace: a.namespace,
        name: a.name,
        value: hard?.['requests.cpu'],
        started: performance.now(),
      };
      admitted.push(record);
      inAdmission += 1;
      mostInAdmission = Math.max(mostInAdmission, inAdmission);
      try {
        if (a.type.kind === 'ResourceQuota' && admissionDelayMs > 0) await new Promise((r) => setTimeout(r, admissionDelayMs));
        await gate?.(record);
      } finally {
        inAdmission -= 1;
        record.ended = performance.now();
      }
    },
  };
  let nc: NatsConnection;
  let member: KubeServer;
  let store: DesiredStateStore<unknown>;
  let clusterId: string;
  let objects: KubernetesObjectApi;
  const reconcilers: DesiredStateReconciler[] = [];
  const mirrors: KvMirror<unknown>[] = [];
  let cacheDir: string;

  const read = (apiVersion: string, kind: string, name: string, ns?: string) =>
    objects.read({ apiVersion, kind, metadata: { name, ...(ns ? { namespace: ns } : {}) } }).then(
      (o) =>
        o as unknown as {
          metadata: { labels?: Record<string, string>; managedFields?: { manager: string }[]; deletionTimestamp?: string };
          spec?: { hard?: Record<string, string> };
        },
      () => null,
    );
  const gone = (apiVersion: string, kind: string, name: string, ns?: string) =>
    until(`${kind} ${name} gone`, async () => {
      const object = await read(apiVersion, kind, name, ns);
      return object === null || object.metadata.deletionTimestamp ? true : undefined;
    });
  // As in Warden: the reconciler follows the autonomy mirror of the bucket, the one reader of it.
  const startReconciler = async (sync = new SyncStatus(), concurrency?: number) => {
    const cache = new StateCache(cacheDir);
    await cache.open();
    const mirror = new KvMirror<unknown>(`cube-desired-${clusterId}`, cache, quiet);
    mirrors.push(mirror);
    const reconciler = new DesiredStateReconciler({
      desired: mirror,
      kubeConfig: parseKubeconfig(member.kubeconfig),
      sync,
      logger: quiet,
      initialBackoffMs: 100,
      maxBackoffMs: 500,
      ...(concurrency ? { concurrency } : {}),
    });
    reconcilers.push(reconciler);
    reconciler.start();
    mirror.follow(nc);
    return reconciler;
  };

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    member = await startKubeServer({
      name: 'member',
      admission: [probe],
      // The admin token only, counting every request by method on the way.
      authenticator: async (req) => {
        requests[req.method ?? 'GET'] = (requests[req.method ?? 'GET'] ?? 0) + 1;
        return req.headers.authorization === `Bearer ${adminToken}` ? ADMIN_USER : undefined;
      },
    });
    adminToken = member.adminToken;
    objects = KubernetesObjectApi.makeApiClient(parseKubeconfig(member.kubeconfig));
  });
  beforeEach(async () => {
    clusterId = randomClusterId();
    store = await DesiredStateStore.open(nc.jetstream(), clusterId);
    cacheDir = await mkdtemp(join(tmpdir(), 'warden-reconciler-'));
  });
  afterEach(async () => {
    gate = undefined;
    admissionDelayMs = 0;
    await Promise.all(reconcilers.splice(0).map((r) => r.stop()));
    await Promise.all(mirrors.splice(0).map((m) => m.stop()));
    await rm(cacheDir, { recursive: true, force: true });
    await (await nc.jetstreamManager()).streams.delete(`KV_cube-desired-${clusterId}`).catch(() => undefined);
  });
  afterAll(async () => {
    await nc?.close();
    await member?.stop();
  });

  it("applies each desired object server-side as cube-warden, labelled as Cube's, and follows changes and deletions", async () => {
    await store.put('namespace.acme.team-a', namespace('team-a', { 'cube.io/tenant': 'acme' }));
    await startReconciler();
    const applied = await until('namespace applied', () => read('v1', 'Namespace', 'team-a').then((o) => o ?? undefined));
    expect(applied.metadata.labels).toMatchObject({ 'cube.io/tenant': 'acme', 'cube.io/managed-by': 'cube' });
    expect(applied.metadata.managedFields?.map((f) => f.manager)).toContain('cube-warden');

    await store.put('quota.acme.team-a', quota('team-a', '2'));
    await until('quota applied', async () =>
      (await read('v1', 'ResourceQuota', 'cube-quota', 'team-a'))?.spec?.hard?.['requests.cpu'] === '2' ? true : undefined,
    );
    await store.put('quota.acme.team-a', quota('team-a', '3'));
    await until('quota changed', async () =>
      (await read('v1', 'ResourceQuota', 'cube-quota', 'team-a'))?.spec?.hard?.['requests.cpu'] === '3' ? true : undefined,
    );

    await store.delete('quota.acme.team-a');
    await gone('v1', 'ResourceQuota', 'cube-quota', 'team-a');
  });

  it('on start removes managed objects no longer desired and keeps everything else', async () => {
    const labels = { 'cube.io/managed-by': 'cube' };
    await objects.create({ ...namespace('stale', labels) });
    await objects.create({ ...namespace('not-cube') });
    await store.put('namespace.acme.kept', namespace('kept'));
    const reconciler = await startReconciler();
    await until('resynced', async () => (reconciler.completedResyncs > 0 ? true : undefined));
    await gone('v1', 'Namespace', 'stale');
    expect(await read('v1', 'Namespace', 'not-cube')).not.toBeNull();
    expect(await read('v1', 'Namespace', 'kept')).not.toBeNull();
  });

  it('reports an object it cannot apply and retries it until it can', async () => {
    const sync = new SyncStatus();
    // The namespace does not exist yet: the quota fails until it is desired too.
    await store.put('quota.acme.later', quota('later', '1'));
    await startReconciler(sync);
    const error = await until('error reported', async () => sync.current().find((e) => e.key === 'quota.acme.later'));
    expect(error.message).toContain('ResourceQuota later/cube-quota');
    await store.put('namespace.acme.later', namespace('later'));
    await until('quota applied on retry', () => read('v1', 'ResourceQuota', 'cube-quota', 'later').then((o) => o ?? undefined));
    await until('error cleared', async () => (sync.current().length === 0 ? true : undefined));
  });

  it("reports a refused apply in the API server's words (Status message and reason), not as a bare HTTP code", async () => {
    const webhook = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: `refuse-quotas-${clusterId}` },
      webhooks: [
        {
          name: 'quota.refuse.test',
          // Nothing listens on port 1: the call fails and failurePolicy Fail turns it into a refusal.
          clientConfig: { url: 'https://127.0.0.1:1/validate' },
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['resourcequotas'] }],
          failurePolicy: 'Fail',
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
        },
      ],
    };
    await objects.create(webhook);
    try {
      const sync = new SyncStatus();
      await store.put('namespace.acme.guarded', namespace('guarded'));
      await store.put('quota.acme.guarded', quota('guarded', '1'));
      await startReconciler(sync);
      const error = await until('error reported', async () => sync.current().find((e) => e.key === 'quota.acme.guarded'));
      expect(error).toMatchObject({ reason: 'InternalError', status: 500 });
      expect(error.message).toMatch(
        /^apply ResourceQuota guarded\/cube-quota: \(InternalError\) Internal error occurred: failed calling webhook "quota.refuse.test"/,
      );
      expect(error.message).not.toContain('HTTP-Code');
    } finally {
      await objects.delete(webhook);
    }
    await until('quota applied once the webhook is gone', () =>
      read('v1', 'ResourceQuota', 'cube-quota', 'guarded').then((o) => o ?? undefined),
    );
  });

  it('resyncs fully on every snapshot the mirror reads (as after a NATS reconnect) and keeps following changes', async () => {
    await store.put('namespace.acme.first', namespace('first'));
    const sync = new SyncStatus();
    const reconciler = await startReconciler(sync);
    await until('first applied', () => read('v1', 'Namespace', 'first').then((o) => o ?? undefined));
    const mirror = mirrors[0];
    // The mirror's watch stops and the bucket is read again, as after a reconnect.
    mirror.resync();
    await until('resynced again', async () => (reconciler.completedResyncs > 1 ? true : undefined));
    await store.delete('namespace.acme.first');
    await gone('v1', 'Namespace', 'first');
    expect(sync.appliedRevision).toBeGreaterThan(0);
  });

  it('applies several objects at once, never more than its concurrency, and namespaces before the objects in them', async () => {
    admissionDelayMs = 30;
    const names = Array.from({ length: 12 }, (_, i) => `wide-${clusterId}-${i}`);
    for (const name of names) {
      await store.put(`quota.acme.${name}`, quota(name, '1'));
      await store.put(`namespace.acme.${name}`, namespace(name));
    }
    admitted = [];
    mostInAdmission = 0;
    const sync = new SyncStatus();
    const reconciler = await startReconciler(sync, 4);
    await until('resynced', async () => (reconciler.completedResyncs > 0 ? true : undefined));
    expect(mostInAdmission).toBeGreaterThan(1);
    expect(mostInAdmission).toBeLessThanOrEqual(4);
    // Each quota was put before its namespace, yet reached the server only after the namespace was stored: no failure, no retry.
    expect(sync.current()).toEqual([]);
    for (const name of names) {
      const created = admitted.find((a) => a.kind === 'Namespace' && a.name === name);
      const quotas = admitted.filter((a) => a.kind === 'ResourceQuota' && a.namespace === name);
      expect(created?.ended).toBeDefined();
      expect(quotas).toHaveLength(1);
      expect(quotas[0].started).toBeGreaterThanOrEqual(created?.ended ?? Infinity);
    }
  });

  it('never applies one key twice at once, keeps its order and coalesces the changes that waited (the latest wins)', async () => {
    await store.put('namespace.acme.busy', namespace('busy'));
    await store.put('quota.acme.busy', quota('busy', '1'));
    const reconciler = await startReconciler();
    await until('resynced', async () => (reconciler.completedResyncs > 0 ? true : undefined));
    admitted = [];
    // The next apply of the quota is held at the server while twenty more changes of it arrive.
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    gate = async (record) => {
      if (record.kind === 'ResourceQuota' && record.value === '2') await released;
    };
    await store.put('quota.acme.busy', quota('busy', '2'));
    await until('the change held at the server', async () => (admitted.some((a) => a.value === '2') ? true : undefined));
    for (let cpu = 3; cpu <= 22; cpu++) await store.put('quota.acme.busy', quota('busy', String(cpu)));
    await until('the changes seen by the mirror', async () =>
      (mirrors[0].get('quota.acme.busy') as { spec: { hard: Record<string, string> } })?.spec.hard['requests.cpu'] === '22'
        ? true
        : undefined,
    );
    // Nothing else reaches the server for this key while its apply is under way.
    await new Promise((r) => setImmediate(r));
    expect(admitted.filter((a) => a.kind === 'ResourceQuota').map((a) => a.value)).toEqual(['2']);
    release();
    await until('the latest applied', async () =>
      (await read('v1', 'ResourceQuota', 'cube-quota', 'busy'))?.spec?.hard?.['requests.cpu'] === '22' ? true : undefined,
    );
    await reconciler.idle();
    const applies = admitted.filter((a) => a.kind === 'ResourceQuota');
    expect(applies.map((a) => a.value)).toEqual(['2', '22']);
    expect(applies[1].started).toBeGreaterThanOrEqual(applies[0].ended ?? Infinity);
  });

  it('sends no write on a resync when nothing changed, and re-applies what changed in the cluster meanwhile', async () => {
    for (const name of ['calm-a', 'calm-b', 'calm-c']) {
      await store.put(`namespace.acme.${name}`, namespace(name, { 'cube.io/tenant': 'acme' }));
      await store.put(`quota.acme.${name}`, quota(name, '1'));
      // A rule's `from`: a field client-node's models rename, so the comparison must read the JSON.
      await store.put(`networkpolicy.acme.${name}`, {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'cube-isolation', namespace: name },
        spec: {
          podSelector: {},
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'cube.io/tenant': 'acme' } } }] }],
        },
      });
    }
    const reconciler = await startReconciler();
    await until('resynced', async () => (reconciler.completedResyncs > 0 ? true : undefined));
    await reconciler.idle();
    const policies = await RawObjectApi.forConfig(parseKubeconfig(member.kubeconfig)).listRaw(
      'networking.k8s.io/v1',
      'NetworkPolicy',
      'cube.io/managed-by=cube',
    );
    expect(policies.find((p) => p.metadata?.namespace === 'calm-a')).toMatchObject({
      spec: { ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'cube.io/tenant': 'acme' } } }] }] },
    });
    for (const method of Object.keys(requests)) delete requests[method];
    mirrors[0].resync();
    await until('resynced again', async () => (reconciler.completedResyncs > 1 ? true : undefined));
    expect(writes()).toBe(0);
    expect(requests['GET']).toBeGreaterThan(0);

    // Someone else changes a field Warden set: the next resync puts it back, and writes nothing else.
    await objects.patch(
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'cube-quota', namespace: 'calm-b' },
        spec: { hard: { 'requests.cpu': '9' } },
      },
      undefined,
      undefined,
      'someone-else',
      true,
      PatchStrategy.ServerSideApply,
    );
    for (const method of Object.keys(requests)) delete requests[method];
    mirrors[0].resync();
    await until('resynced a third time', async () => (reconciler.completedResyncs > 2 ? true : undefined));
    expect(writes()).toBe(1);
    expect((await read('v1', 'ResourceQuota', 'cube-quota', 'calm-b'))?.spec?.hard?.['requests.cpu']).toBe('1');
  });
});
