import { DataSource } from 'typeorm';
import { migratedScratchDatabase } from '@cube/persistence';
import { entities } from '../entities';
import { migrations } from '../migrations';
import { OidcLoginsRepository } from './oidc-logins.repository';

// Pending OIDC logins against the machine's PostgreSQL, in a database of their own with identity's migrations.
describe('OidcLoginsRepository', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let logins: OidcLoginsRepository;
  const login = { nonce: 'n-1', codeVerifier: 'v-1', redirect: '/clusters' };

  beforeAll(async () => {
    ({ db, drop } = await migratedScratchDatabase('identity_oidc_logins', { schema: 'identity', migrations, entities }));
    logins = new OidcLoginsRepository(db);
  });

  afterAll(async () => {
    await drop();
  });

  it('hands a login out once per state', async () => {
    await logins.add('state-1', login, 300);
    expect(await logins.take('state-1')).toEqual({ ...login, expired: false });
    expect(await logins.take('state-1')).toBeNull();
    expect(await logins.take('state-unknown')).toBeNull();
  });

  it('reports an expired login as expired, and drops expired ones when a new login begins', async () => {
    await logins.add('state-2', login, -1);
    expect(await logins.take('state-2')).toEqual({ ...login, expired: true });
    await logins.add('state-3', login, -1);
    await logins.add('state-4', login, 300);
    expect(await logins.take('state-3')).toBeNull();
    expect(await logins.take('state-4')).toEqual({ ...login, expired: false });
  });
});
