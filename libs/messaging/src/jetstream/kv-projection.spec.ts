import { connect, KV, NatsConnection, StringCodec } from 'nats';
import { KvProjection, kvKeys } from './kv-projection';
import { PrivateNatsServer } from './private-nats-server.testing';
import { until } from './until.testing';

const text = StringCodec();

/** Projects a map (standing in for a service's table) into one bucket. */
class MapProjection extends KvProjection {
  failNextResyncs = 0;
  resyncs = 0;

  constructor(
    nats: NatsConnection,
    readonly bucketName: string,
    readonly source: Map<string, string>,
  ) {
    super(nats, { what: 'a test map', retryFirstMs: 50, retryMaxMs: 200 });
  }

  /** Writes one key as the source has it when the write runs. */
  set(key: string): Promise<void> {
    return this.enqueue(() => this.put(key));
  }

  write(step: () => Promise<void>): Promise<void> {
    return this.enqueue(step);
  }

  kv(): Promise<KV> {
    return this.bucket(this.bucketName);
  }

  protected async resync(): Promise<void> {
    this.resyncs += 1;
    if (this.failNextResyncs > 0) {
      this.failNextResyncs -= 1;
      throw new Error('the source is not reachable');
    }
    for (const key of this.source.keys()) await this.put(key);
    await this.removeStale(await this.kv(), (key) => this.source.has(key));
  }

  private async put(key: string): Promise<void> {
    const value = this.source.get(key);
    const kv = await this.kv();
    if (value === undefined) await kv.delete(key);
    else await kv.put(key, text.encode(value));
  }
}

// The projection base against a nats-server of the test's own, restarted under a running projection.
describe('KvProjection', () => {
  let server: PrivateNatsServer;
  let nats: NatsConnection;
  let projection: MapProjection | undefined;
  let buckets = 0;

  const contents = async (kv: KV): Promise<Record<string, string>> => {
    const entries: Record<string, string> = {};
    for (const key of (await kvKeys(kv)).sort()) {
      const entry = await kv.get(key);
      if (entry?.operation === 'PUT') entries[key] = text.decode(entry.value);
    }
    return entries;
  };
  const started = async (source: Record<string, string>, setup?: (projection: MapProjection) => void): Promise<MapProjection> => {
    projection = new MapProjection(nats, `projection-${++buckets}`, new Map(Object.entries(source)));
    setup?.(projection);
    await projection.onApplicationBootstrap();
    return projection;
  };

  beforeAll(async () => {
    server = await PrivateNatsServer.start();
    nats = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  });

  afterEach(() => {
    projection?.onModuleDestroy();
    projection = undefined;
  });

  afterAll(async () => {
    await nats.close();
    await server.remove();
  });

  it('writes the whole source at start and removes the keys the source no longer has', async () => {
    const stale = await nats.jetstream().views.kv(`projection-${buckets + 1}`, { history: 1 });
    await stale.put('gone', text.encode('left by an earlier run'));
    await stale.put('a', text.encode('outdated'));
    const running = await started({ a: '1', b: '2' });
    expect(await contents(await running.kv())).toEqual({ a: '1', b: '2' });
  });

  it('writes one change at a time, in the order asked', async () => {
    const running = await started({ k: 'first' });
    const log: string[] = [];
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = running.write(async () => {
      log.push('first began');
      await gate;
      await (await running.kv()).put('k', text.encode('from the first write'));
      log.push('first ended');
    });
    const second = running.write(async () => {
      log.push('second began');
      await (await running.kv()).put('k', text.encode('from the second write'));
    });
    await until('the first write to begin', async () => (log.length > 0 ? true : undefined));
    release();
    await Promise.all([first, second]);
    expect(log).toEqual(['first began', 'first ended', 'second began']);
    expect(await contents(await running.kv())).toEqual({ k: 'from the second write' });
  });

  it('follows a failed resync with further resyncs, backing off, until one succeeds', async () => {
    const running = await started({ a: '1' }, (projection) => (projection.failNextResyncs = 2));
    expect(await contents(await running.kv())).toEqual({});
    await until('a resync to succeed', async () => ((await contents(await running.kv()))['a'] === '1' ? true : undefined));
    expect(running.resyncs).toBe(3);
  });

  it('resyncs after NATS comes back, repairing what changed while it was away', async () => {
    const running = await started({ a: '1', b: '2' });
    await server.stop();
    // Changed without a write asked (as when an event was lost while NATS was away): only a resync can carry it.
    running.source.delete('a');
    running.source.set('c', '3');
    await server.restart();
    const kv = await running.kv();
    const value = async (key: string) => {
      const entry = await kv.get(key);
      return entry?.operation === 'PUT' ? text.decode(entry.value) : null;
    };
    // Single reads (requests with a deadline) while JetStream recovers, not a keys() listing.
    await until('the projection to match the source', async () => {
      const [a, c] = await Promise.all([value('a'), value('c')]).catch(() => []);
      return a === null && c === '3' ? true : undefined;
    });
    expect(await contents(kv)).toEqual({ b: '2', c: '3' });
  });
});
