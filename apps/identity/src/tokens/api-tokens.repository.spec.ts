import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { migratedScratchDatabase } from '@cube/persistence';
import { entities } from '../entities';
import { migrations } from '../migrations';
import { UsersRepository } from '../users/users.repository';
import { ApiTokensRepository } from './api-tokens.repository';

// Identity's users and API tokens against the machine's PostgreSQL, in a database of their own with identity's migrations.
describe('API tokens and users repositories', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let tokens: ApiTokensRepository;
  let users: UsersRepository;

  const newToken = (userName: string, name: string, expiresAt: Date | null = null) => ({
    id: randomUUID(),
    userName,
    name,
    tokenHash: `hash-${userName}-${name}`,
    expiresAt,
  });

  beforeAll(async () => {
    ({ db, drop } = await migratedScratchDatabase('identity_api_tokens', { schema: 'identity', migrations, entities }));
    tokens = new ApiTokensRepository(db);
    users = new UsersRepository(db);
    for (const name of ['paula', 'dora'])
      await users.insert({ name, displayName: name, email: null, phone: null, source: 'local', passwordHash: null, groups: ['devs'] });
  });

  afterAll(async () => {
    await drop();
  });

  it('counts users and reads every state', async () => {
    expect(await users.count()).toBe(2);
    await users.update('dora', { state: 'disabled' });
    expect(await users.states()).toEqual(
      new Map([
        ['paula', 'active'],
        ['dora', 'disabled'],
      ]),
    );
    await users.update('dora', { state: 'active' });
  });

  it('refuses a second token of the same name for one user, not for another', async () => {
    expect(await tokens.insert(newToken('paula', 'ci'))).toBe(true);
    expect(await tokens.insert(newToken('paula', 'ci'))).toBe(false);
    expect(await tokens.insert(newToken('dora', 'ci'))).toBe(true);
  });

  it('pages the live tokens oldest first after a key, without revoked ones', async () => {
    for (const name of ['a', 'b', 'c']) await tokens.insert(newToken('paula', name));
    const all = await tokens.listLive('paula', null, 10);
    expect(all.map((row) => row.token.name)).toEqual(['ci', 'a', 'b', 'c']);
    const second = all[1];
    if (!second) throw new Error('no second token');
    expect((await tokens.listLive('paula', second.key, 10)).map((row) => row.token.name)).toEqual(['b', 'c']);
    expect(await tokens.revoke('dora', second.token.id)).toBe(false);
    expect(await tokens.revoke('paula', second.token.id)).toBe(true);
    expect(await tokens.revoke('paula', second.token.id)).toBe(false);
    expect((await tokens.listLive('paula', null, 10)).map((row) => row.token.name)).toEqual(['ci', 'b', 'c']);
  });

  it('accepts a token only while it is live and its user active, and records its use', async () => {
    await tokens.insert(newToken('dora', 'expired', new Date(Date.now() - 1000)));
    expect(await tokens.use('hash-dora-ci')).toEqual({ name: 'dora', groups: ['devs'] });
    expect(await tokens.use('hash-dora-expired')).toBeNull();
    expect(await tokens.use('hash-nobody')).toBeNull();
    expect((await tokens.listLive('dora', null, 10)).find((row) => row.token.name === 'ci')?.token.lastUsedAt).toBeInstanceOf(Date);
    await users.update('dora', { state: 'disabled' });
    expect(await tokens.use('hash-dora-ci')).toBeNull();
    expect((await tokens.usable(null)).map((token) => token.user)).not.toContain('dora');
    expect((await tokens.usable('paula')).map((token) => token.tokenHash.trim()).sort()).toEqual([
      'hash-paula-b',
      'hash-paula-c',
      'hash-paula-ci',
    ]);
  });
});
