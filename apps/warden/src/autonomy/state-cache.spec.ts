import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateCache } from './state-cache';

describe('StateCache', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'warden-cache-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives back what was written, in a new instance (a restarted Warden)', async () => {
    const cache = new StateCache(join(dir, 'state'));
    await cache.open();
    await cache.write('jwks', { keys: [{ kid: 'k1' }] });
    const restarted = new StateCache(join(dir, 'state'));
    expect(await restarted.read('jwks')).toEqual({ keys: [{ kid: 'k1' }] });
    expect(await restarted.read('ledger')).toBeUndefined();
  });

  it('ends with the last of concurrent writes and leaves no temporary file', async () => {
    const cache = new StateCache(dir);
    await cache.open();
    await Promise.all(Array.from({ length: 20 }, (_, i) => cache.write('ledger', { i })));
    expect(await cache.read('ledger')).toEqual({ i: 19 });
    expect(await readdir(dir)).toEqual(['ledger.json']);
  });
});
