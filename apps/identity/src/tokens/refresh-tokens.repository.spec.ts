import { DataSource } from 'typeorm';
import { migratedScratchDatabase } from '@cube/persistence';
import { entities } from '../entities';
import { migrations } from '../migrations';
import { UsersRepository } from '../users/users.repository';
import { RefreshTokensRepository } from './refresh-tokens.repository';

// Refresh tokens against the machine's PostgreSQL, in a database of their own with identity's migrations.
describe('RefreshTokensRepository', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let tokens: RefreshTokensRepository;
  const family = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

  beforeAll(async () => {
    ({ db, drop } = await migratedScratchDatabase('identity_refresh_tokens', { schema: 'identity', migrations, entities }));
    tokens = new RefreshTokensRepository(db);
    const users = new UsersRepository(db);
    for (const name of ['rita', 'sam'])
      await users.insert({ name, displayName: name, email: null, phone: null, source: 'local', passwordHash: null });
  });

  afterAll(async () => {
    await drop();
  });

  it('spends a live token exactly once, and knows it was spent', async () => {
    await tokens.insert({ familyId: family(1), userName: 'rita', tokenHash: 'a'.repeat(64) }, 60);
    expect(await tokens.spentOwner('a'.repeat(64))).toBeNull();
    const spends = await Promise.all([tokens.spend('a'.repeat(64)), tokens.spend('a'.repeat(64))]);
    expect(spends.filter((spent) => spent !== null)).toEqual([{ familyId: family(1), userName: 'rita' }]);
    expect(await tokens.spentOwner('a'.repeat(64))).toEqual({ familyId: family(1), userName: 'rita' });
    expect(await tokens.familyOf('a'.repeat(64))).toBe(family(1));
    expect(await tokens.familyOf('f'.repeat(64))).toBeNull();
  });

  it('does not spend an expired token', async () => {
    await tokens.insert({ familyId: family(2), userName: 'rita', tokenHash: 'b'.repeat(64) }, -1);
    expect(await tokens.spend('b'.repeat(64))).toBeNull();
  });

  it('revokes a family, and all of a user, leaving others spendable', async () => {
    await tokens.insert({ familyId: family(3), userName: 'rita', tokenHash: 'c'.repeat(64) }, 60);
    await tokens.insert({ familyId: family(3), userName: 'rita', tokenHash: 'd'.repeat(64) }, 60);
    await tokens.insert({ familyId: family(4), userName: 'rita', tokenHash: 'e'.repeat(64) }, 60);
    await tokens.insert({ familyId: family(5), userName: 'sam', tokenHash: '1'.repeat(64) }, 60);
    await tokens.revokeFamily(family(3));
    expect(await tokens.spend('c'.repeat(64))).toBeNull();
    expect(await tokens.spend('d'.repeat(64))).toBeNull();
    await tokens.revokeAllOf('rita');
    expect(await tokens.spend('e'.repeat(64))).toBeNull();
    expect(await tokens.spend('1'.repeat(64))).toEqual({ familyId: family(5), userName: 'sam' });
  });
});
