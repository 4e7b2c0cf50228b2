import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, JSONCodec, KV, NatsConnection } from 'nats';
import { KvMirror } from './kv-mirror';
import { StateCache } from './state-cache';
import { until } from '@cube/messaging/testing';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const json = JSONCodec<{ n: number }>();
const quiet = { warn: () => undefined };

describe('KvMirror', () => {
  let nats: NatsConnection;
  let kv: KV;
  let bucket: string;
  let dir: string;
  const mirrors: KvMirror<{ n: number }>[] = [];
  const mirror = async () => {
    const cache = new StateCache(dir);
    await cache.open();
    const made = new KvMirror<{ n: number }>(bucket, cache, quiet);
    mirrors.push(made);
    await made.load();
    return made;
  };

  beforeEach(async () => {
    nats = await connect({ servers: NATS_URL });
    bucket = `warden-mirror-${randomBytes(4).toString('hex')}`;
    kv = await nats.jetstream().views.kv(bucket, { history: 1 });
    dir = await mkdtemp(join(tmpdir(), 'warden-mirror-'));
  });
  afterEach(async () => {
    for (const made of mirrors.splice(0)) await made.stop();
    await kv.destroy();
    await nats.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('holds the bucket and follows puts and deletes', async () => {
    await kv.put('acme', json.encode({ n: 1 }));
    const ledger = await mirror();
    ledger.follow(nats);
    await until('first read', () => ledger.get('acme')?.n === 1);
    await kv.put('globex', json.encode({ n: 2 }));
    await kv.put('acme', json.encode({ n: 3 }));
    await until('updates', () => ledger.get('acme')?.n === 3 && ledger.get('globex')?.n === 2);
    await kv.delete('globex');
    await until('delete', () => ledger.get('globex') === undefined);
  });

  it('answers from the disk copy before NATS, then replaces it with the bucket as it is now', async () => {
    await kv.put('acme', json.encode({ n: 1 }));
    await kv.put('gone-later', json.encode({ n: 9 }));
    const first = await mirror();
    first.follow(nats);
    await until('first read', () => first.get('gone-later')?.n === 9);
    await first.stop();

    // While this Warden was away: one key deleted, one changed.
    await kv.delete('gone-later');
    await kv.put('acme', json.encode({ n: 2 }));

    const restarted = await mirror();
    expect(restarted.get('gone-later')).toEqual({ n: 9 });
    expect(restarted.get('acme')).toEqual({ n: 1 });
    restarted.follow(nats);
    await until('resync after restart', () => restarted.completedSyncs > 0);
    expect(restarted.get('gone-later')).toBeUndefined();
    expect(restarted.get('acme')).toEqual({ n: 2 });
  });
});
