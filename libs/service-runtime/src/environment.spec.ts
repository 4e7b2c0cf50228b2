import { natsAuthOptions } from '@cube/messaging';
import { ConfigurationError, DatabaseServiceEnvironment, loadEnvironment, WardenEnvironment } from './environment';

describe('loadEnvironment', () => {
  it('applies defaults when nothing is set', () => {
    const env = loadEnvironment(DatabaseServiceEnvironment, {});
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/postgres');
    expect(env.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(env.CUBE_DB_POOL_MAX).toBe(10);
  });

  it('converts numbers and keeps given values', () => {
    const env = loadEnvironment(DatabaseServiceEnvironment, { CUBE_DB_POOL_MAX: '1', NATS_URL: 'nats://a:1,nats://b:2' });
    expect(env.CUBE_DB_POOL_MAX).toBe(1);
    expect(env.NATS_URL).toBe('nats://a:1,nats://b:2');
  });

  it('names the bad variable without echoing its value', () => {
    const attempt = () => loadEnvironment(DatabaseServiceEnvironment, { DATABASE_URL: 'mysql://root:hunter2@db/x' });
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/^invalid configuration: DATABASE_URL must be a postgres:\/\/ URL/);
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('reads the JetStream replica count and the health port, 1 and none by default', () => {
    expect(loadEnvironment(DatabaseServiceEnvironment, {})).toMatchObject({ CUBE_JETSTREAM_REPLICAS: 1, CUBE_HEALTH_PORT: 0 });
    const env = loadEnvironment(DatabaseServiceEnvironment, { CUBE_JETSTREAM_REPLICAS: '3', CUBE_HEALTH_PORT: '8081' });
    expect(env).toMatchObject({ CUBE_JETSTREAM_REPLICAS: 3, CUBE_HEALTH_PORT: 8081 });
    expect(() => loadEnvironment(DatabaseServiceEnvironment, { CUBE_JETSTREAM_REPLICAS: '0' })).toThrow(/CUBE_JETSTREAM_REPLICAS/);
  });

  it('refuses a pool size that is not a positive integer', () => {
    expect(() => loadEnvironment(DatabaseServiceEnvironment, { CUBE_DB_POOL_MAX: 'lots' })).toThrow(/CUBE_DB_POOL_MAX/);
  });

  it('reads only the variables its schema declares', () => {
    const env = loadEnvironment(WardenEnvironment, { CUBE_CLUSTER_NAME: 'member-a', DATABASE_URL: 'nonsense' });
    expect(env.CUBE_CLUSTER_NAME).toBe('member-a');
    expect(env).not.toHaveProperty('DATABASE_URL');
  });

  it('reads NATS credentials into the options of every connection, one way at a time, never echoing them', () => {
    const withPassword = loadEnvironment(WardenEnvironment, { NATS_USER: 'cube', NATS_PASSWORD: 's3cret-pass' });
    expect(natsAuthOptions(withPassword)).toEqual({ user: 'cube', pass: 's3cret-pass' });
    expect(natsAuthOptions(loadEnvironment(WardenEnvironment, { NATS_TOKEN: 'tok-1' }))).toEqual({ token: 'tok-1' });
    expect(natsAuthOptions(loadEnvironment(WardenEnvironment, { NATS_CREDS_FILE: __filename }))).toHaveProperty('authenticator');
    expect(natsAuthOptions(loadEnvironment(WardenEnvironment, {}))).toEqual({});
    const half = () => loadEnvironment(WardenEnvironment, { NATS_PASSWORD: 's3cret-pass' });
    expect(half).toThrow(/NATS_USER and NATS_PASSWORD must be set together/);
    expect(half).not.toThrow(/s3cret/);
    expect(() => loadEnvironment(WardenEnvironment, { NATS_USER: 'cube', NATS_PASSWORD: 'p', NATS_TOKEN: 't' })).toThrow(/only one of/);
    expect(() => loadEnvironment(WardenEnvironment, { NATS_CREDS_FILE: '/nonexistent/cube.creds' })).toThrow(
      /NATS_CREDS_FILE must name a readable file/,
    );
  });
});
