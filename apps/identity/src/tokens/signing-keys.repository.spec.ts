import { DataSource } from 'typeorm';
import { migratedScratchDatabase } from '@cube/persistence';
import { entities } from '../entities';
import { migrations } from '../migrations';
import { SigningKeysRepository } from './signing-keys.repository';

// Signing keys against the machine's PostgreSQL, in a database of their own with identity's migrations.
describe('SigningKeysRepository', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let keys: SigningKeysRepository;
  const key = (kid: string) => ({ kid, privateJwk: { kty: 'OKP', crv: 'Ed25519', d: `d-${kid}` }, publicJwk: { kty: 'OKP', kid } });

  beforeAll(async () => {
    ({ db, drop } = await migratedScratchDatabase('identity_signing_keys', { schema: 'identity', migrations, entities }));
    keys = new SigningKeysRepository(db);
  });

  afterAll(async () => {
    await drop();
  });

  it('lets exactly one of two racing rotations add a key; the other gets it', async () => {
    expect(await keys.newestActive()).toBeNull();
    const [first, second] = await Promise.all([keys.replaceActive(key('k1'), 3600, 600), keys.replaceActive(key('k2'), 3600, 600)]);
    expect([first.rotated, second.rotated].sort()).toEqual([false, true]);
    expect(first.key.kid).toBe(second.key.kid);
    const active = await keys.newestActive();
    expect(active?.kid).toBe(first.key.kid);
    expect(active?.privateJwk).toEqual(key(first.key.kid).privateJwk);
    expect(active?.createdAt).toBeInstanceOf(Date);
  });

  it('retires the active key when its freshness has passed, keeping it published for a while', async () => {
    const before = await keys.newestActive();
    const { key: next, rotated } = await keys.replaceActive(key('k3'), 0, 600);
    expect(rotated).toBe(true);
    expect((await keys.newestActive())?.kid).toBe('k3');
    expect((await keys.published()).map((published) => published.publicJwk.kid)).toEqual([next.kid, before?.kid]);
  });

  it('stops publishing a retired key once its time is over', async () => {
    const published = (await keys.published()).map((row) => row.kid);
    await keys.replaceActive(key('k4'), 0, -1);
    expect((await keys.published()).map((row) => row.kid)).toEqual(['k4', ...published.filter((kid) => kid !== 'k3')]);
  });
});
