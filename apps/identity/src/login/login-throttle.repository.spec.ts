import { DataSource } from 'typeorm';
import { migratedScratchDatabase } from '@cube/persistence';
import { entities } from '../entities';
import { migrations } from '../migrations';
import { LoginThrottleRepository } from './login-throttle.repository';

// The login throttle against the machine's PostgreSQL, in a database of its own with identity's migrations.
describe('LoginThrottleRepository', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let throttle: LoginThrottleRepository;

  beforeAll(async () => {
    ({ db, drop } = await migratedScratchDatabase('identity_login_throttle', { schema: 'identity', migrations, entities }));
    throttle = new LoginThrottleRepository(db);
  });

  afterAll(async () => {
    await drop();
  });

  it('locks a key for the window once its failures reach the limit, and a clear unlocks it', async () => {
    await throttle.recordFailure('user:ann', 3, 600);
    await throttle.recordFailure('user:ann', 3, 600);
    expect(await throttle.lockedForSeconds(['user:ann', 'ip:10.0.0.1'])).toBe(0);
    await throttle.recordFailure('user:ann', 3, 600);
    const wait = await throttle.lockedForSeconds(['user:ann', 'ip:10.0.0.1']);
    expect(wait).toBeGreaterThan(590);
    expect(wait).toBeLessThanOrEqual(600);
    expect(await throttle.lockedForSeconds(['user:bob'])).toBe(0);
    await throttle.clear('user:ann');
    expect(await throttle.lockedForSeconds(['user:ann'])).toBe(0);
  });

  it('loses no count when failures arrive concurrently', async () => {
    await Promise.all(Array.from({ length: 8 }, () => throttle.recordFailure('ip:10.0.0.2', 8, 600)));
    expect(await throttle.lockedForSeconds(['ip:10.0.0.2'])).toBeGreaterThan(0);
  });

  it('starts a new count once the window has passed', async () => {
    await throttle.recordFailure('user:cy', 2, 600);
    await throttle.recordFailure('user:cy', 2, 0);
    expect(await throttle.lockedForSeconds(['user:cy'])).toBe(0);
  });
});
