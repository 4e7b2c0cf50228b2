import { connect, JetStreamManager, NatsConnection, StorageType } from 'nats';
import { CubeError } from '@cube/contracts';
import { DesiredStateChange, DesiredStateStore, DesiredStateWatch, desiredStateBucket } from './desired-state-store';
import { deleteStreams, NATS_URL, randomClusterId } from './isolated-streams.testing';

interface NamespaceQuota {
  cpu: string;
}

/** Takes the next `count` changes of a watch, failing after a bounded wait instead of hanging. */
async function take<T>(watch: DesiredStateWatch<T>, count: number, timeoutMs = 5000): Promise<DesiredStateChange<T>[]> {
  const taken: DesiredStateChange<T>[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`expected ${count} changes within ${timeoutMs} ms, got ${taken.length}`)), timeoutMs);
  });
  try {
    while (taken.length < count) {
      const next = await Promise.race([watch.next(), deadline]);
      if (next.done) break;
      taken.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return taken;
}

describe('DesiredStateStore on the real NATS', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let store: DesiredStateStore<NamespaceQuota>;
  const clusterId = randomClusterId();
  const watches: DesiredStateWatch<NamespaceQuota>[] = [];

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
    store = await DesiredStateStore.open<NamespaceQuota>(nc.jetstream(), clusterId);
  });
  afterAll(async () => {
    watches.forEach((w) => w.stop());
    await deleteStreams(jsm, `KV_${desiredStateBucket(clusterId)}`);
    await nc.close();
  });

  it('keeps the bucket cube-desired-<clusterId> on file with five revisions per key', async () => {
    const info = await jsm.streams.info(`KV_cube-desired-${clusterId}`);
    expect(info.config.storage).toBe(StorageType.File);
    expect(info.config.max_msgs_per_subject).toBe(5);
  });

  it('reads back what it wrote with its revision, and nothing for an absent or deleted key', async () => {
    const revision = await store.put('quota.acme.team-a', { cpu: '4' });
    expect(await store.get('quota.acme.team-a')).toEqual({ value: { cpu: '4' }, revision });
    expect(await store.get('quota.acme.nobody')).toBeNull();
    await store.delete('quota.acme.team-a');
    expect(await store.get('quota.acme.team-a')).toBeNull();
  });

  it('refuses a write against a revision that is no longer current with CONFLICT', async () => {
    const first = await store.put('quota.acme.team-b', { cpu: '1' }, 0);
    const second = await store.put('quota.acme.team-b', { cpu: '2' }, first);
    const error = await store.put('quota.acme.team-b', { cpu: '3' }, first).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeError);
    expect((error as CubeError).toBody()).toEqual({
      code: 'CONFLICT',
      message: `desired state quota.acme.team-b of cluster ${clusterId} is no longer at revision ${first}`,
      details: { clusterId, key: 'quota.acme.team-b', expectedRevision: first },
    });
    expect(await store.get('quota.acme.team-b')).toEqual({ value: { cpu: '2' }, revision: second });
  });

  it('refuses to create a key that exists, and to delete at a stale revision', async () => {
    const revision = await store.put('quota.acme.team-c', { cpu: '1' });
    await store.put('quota.acme.team-c', { cpu: '2' });
    expect(((await store.put('quota.acme.team-c', { cpu: '9' }, 0).catch((e: unknown) => e)) as CubeError).code).toBe('CONFLICT');
    expect(((await store.delete('quota.acme.team-c', revision).catch((e: unknown) => e)) as CubeError).code).toBe('CONFLICT');
  });

  it('watches the current state first, then every change as it happens', async () => {
    const watched = await DesiredStateStore.open<NamespaceQuota>(nc.jetstream(), randomClusterId());
    try {
      await watched.put('quota.x', { cpu: '1' });
      await watched.put('quota.x', { cpu: '2' });
      const watch = await watched.watch();
      watches.push(watch);
      const [current] = await take(watch, 1);
      expect(current).toMatchObject({ key: 'quota.x', value: { cpu: '2' }, operation: 'PUT' });

      const revision = await watched.put('quota.y', { cpu: '5' });
      await watched.delete('quota.x');
      expect(await take(watch, 2)).toEqual([
        { key: 'quota.y', value: { cpu: '5' }, revision, operation: 'PUT' },
        { key: 'quota.x', value: null, revision: revision + 1, operation: 'DEL' },
      ]);
    } finally {
      await deleteStreams(jsm, `KV_${desiredStateBucket(watched.clusterId)}`);
    }
  });

  it('resumes a watch from a revision, replaying what changed since', async () => {
    const from = await store.put('quota.resume.a', { cpu: '1' });
    const next = await store.put('quota.resume.b', { cpu: '2' });
    const watch = await store.watch(from);
    watches.push(watch);
    const changes = await take(watch, 2);
    expect(changes.map((c) => [c.key, c.revision])).toEqual([
      ['quota.resume.a', from],
      ['quota.resume.b', next],
    ]);
  });

  it('ends the iteration when the watch is stopped', async () => {
    const watch = await store.watch();
    const drained = (async () => {
      const seen: string[] = [];
      for await (const change of watch) seen.push(change.key);
      return seen;
    })();
    watch.stop();
    await expect(drained).resolves.toEqual(expect.any(Array));
  });

  it('refuses a cluster id that cannot name a bucket', async () => {
    const error = await DesiredStateStore.open(nc.jetstream(), 'a.b').catch((e: unknown) => e);
    expect((error as CubeError).code).toBe('BAD_REQUEST');
  });
});
