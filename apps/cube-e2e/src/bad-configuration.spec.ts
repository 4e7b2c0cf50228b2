import { runApp } from './support';

const base = { PATH: process.env['PATH'], NATS_URL: 'nats://127.0.0.1:4222' };

describe('a service with bad configuration', () => {
  it('exits non-zero naming DATABASE_URL when it is not a PostgreSQL URL', async () => {
    const exit = await runApp('identity', { ...base, DATABASE_URL: 'mysql://root:hunter2@db/cube' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe(
      'cube-identity: invalid configuration: DATABASE_URL must be a postgres:// URL (postgres://user:password@host:port/database)\n',
    );
    expect(exit.stdout).toBe('');
  });

  it('exits non-zero with one line when no PostgreSQL answers at DATABASE_URL, without the password', async () => {
    const exit = await runApp('tenancy', { ...base, DATABASE_URL: 'postgres://cube:hunter2@127.0.0.1:1/cube' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(
      /^cube-tenancy: cannot use PostgreSQL at postgres:\/\/cube:\*\*\*@127\.0\.0\.1:1\/cube: ECONNREFUSED .*\n$/,
    );
    expect(exit.stderr.split('\n')).toHaveLength(2);
    expect(exit.stderr).not.toContain('hunter2');
  });

  it('exits non-zero naming the database when it does not exist', async () => {
    const exit = await runApp('audit', { ...base, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/no_such_database_here' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe(
      'cube-audit: cannot use PostgreSQL at postgres://postgres@127.0.0.1:5432/no_such_database_here: 3D000 database "no_such_database_here" does not exist\n',
    );
  });

  it('refuses a malformed NATS_URL in the gateway', async () => {
    const exit = await runApp('gateway', { ...base, NATS_URL: 'http://127.0.0.1:4222' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe('cube-gateway: invalid configuration: NATS_URL must be a nats:// or tls:// URL\n');
  });

  it('refuses a CORS origin list that is not one', async () => {
    const exit = await runApp('gateway', { ...base, CUBE_CORS_ORIGINS: 'console.example.com' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain('cube-gateway: invalid configuration: CUBE_CORS_ORIGINS must be');
  });

  it('refuses a TLS certificate without its key, and a public URL with a trailing slash, in the gateway', async () => {
    const halfTls = await runApp('gateway', { ...base, CUBE_TLS_CERT_FILE: '/etc/cube/tls.crt' });
    expect(halfTls.code).toBe(1);
    expect(halfTls.stderr).toBe(
      'cube-gateway: invalid configuration: CUBE_TLS_CERT_FILE and CUBE_TLS_KEY_FILE are set together or not at all\n',
    );
    const publicUrl = await runApp('gateway', { ...base, CUBE_PUBLIC_URL: 'https://cube.example.com/' });
    expect(publicUrl.code).toBe(1);
    expect(publicUrl.stderr).toContain('cube-gateway: invalid configuration: CUBE_PUBLIC_URL must be');
  });
});
