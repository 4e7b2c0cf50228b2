import { randomBytes } from 'node:crypto';
import { connect, JSONCodec, KV, NatsConnection } from 'nats';
import { DisabledUserEntry } from '@cube/contracts';
import { DisabledUsersBucket, PublishedUserState } from './disabled-users.publisher';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const json = JSONCodec<DisabledUserEntry>();
const TOKEN_TTL_MS = 15 * 60_000;
const HOUR_MS = 60 * 60_000;

describe('DisabledUsersBucket (the cube-disabled-users rules, against the real NATS)', () => {
  let nats: NatsConnection;
  let kv: KV;
  let now: number;
  let bucket: DisabledUsersBucket;

  const published = async (): Promise<Record<string, DisabledUserEntry>> => {
    const keys: string[] = [];
    for await (const key of await kv.keys()) keys.push(key);
    const entries: Record<string, DisabledUserEntry> = {};
    for (const key of keys) {
      const entry = await kv.get(key);
      if (entry?.operation === 'PUT') entries[key] = json.decode(entry.value);
    }
    return entries;
  };
  const states = (entries: Record<string, PublishedUserState>) => new Map(Object.entries(entries));

  beforeEach(async () => {
    nats = await connect({ servers: NATS_URL });
    // Its own bucket: the shared `cube-disabled-users` belongs to whichever identity runs on this NATS.
    kv = await nats.jetstream().views.kv(`identity-disabled-${randomBytes(4).toString('hex')}`, { history: 1 });
    now = Date.parse('2026-11-26T12:00:00.000Z');
    bucket = new DisabledUsersBucket(kv, TOKEN_TTL_MS, () => now);
  });
  afterEach(async () => {
    await kv.destroy();
    await nats.close();
  });

  it('puts a disabled or deleted user and deletes the key when the user is active again', async () => {
    await bucket.sync('dev', 'disabled');
    await bucket.sync('gone', undefined);
    expect(await published()).toEqual({
      dev: { user: 'dev', since: '2026-11-26T12:00:00.000Z' },
      gone: { user: 'gone', since: '2026-11-26T12:00:00.000Z' },
    });
    await bucket.sync('dev', 'active');
    expect(Object.keys(await published())).toEqual(['gone']);
  });

  it('writes nothing for an active user it never published (every Warden would see the write)', async () => {
    await bucket.sync('dev', 'disabled');
    const lastSequence = async () => Number((await kv.status()).streamInfo.state.last_seq);
    const before = await lastSequence();
    await bucket.sync('alice', 'active');
    expect(await lastSequence()).toBe(before);
  });

  it('keeps the first `since` of a user published twice', async () => {
    await bucket.sync('dev', 'disabled');
    now += HOUR_MS;
    await bucket.sync('dev', undefined);
    expect((await published())['dev']?.since).toBe('2026-11-26T12:00:00.000Z');
  });

  it('resyncs from the users as they are: disabled users put, stray keys of active users deleted', async () => {
    // What an earlier identity left behind, before changes it never published.
    await bucket.sync('enabled-since', 'disabled');
    await bucket.sync('still-disabled', 'disabled');
    await bucket.resync(states({ 'enabled-since': 'active', 'still-disabled': 'disabled', 'disabled-since': 'disabled', alice: 'active' }));
    expect(Object.keys(await published()).sort()).toEqual(['disabled-since', 'still-disabled']);
  });

  it('keeps a deleted user while tokens issued before the deletion may be valid, and drops the key after', async () => {
    await bucket.sync('gone', undefined);
    now += TOKEN_TTL_MS;
    await bucket.resync(states({}));
    expect(Object.keys(await published())).toEqual(['gone']);
    now += HOUR_MS;
    await bucket.resync(states({}));
    expect(await published()).toEqual({});
  });
});
