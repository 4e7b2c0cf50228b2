import { Client } from 'pg';
import { redactDatabaseUrl } from './database-url';
import { DatabaseUnavailableError, ensureSchema } from './schema';

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('ensureSchema', () => {
  const schema = `spec_${process.pid}_${Date.now()}`;

  afterAll(async () => {
    const client = new Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('creates the schema on the real PostgreSQL and is idempotent', async () => {
    await ensureSchema(DATABASE_URL, schema);
    await ensureSchema(DATABASE_URL, schema);
    const client = new Client({ connectionString: DATABASE_URL });
    await client.connect();
    const { rows } = await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
    await client.end();
    expect(rows).toHaveLength(1);
  });

  it('fails with one line naming the server, without the password', async () => {
    const error = await ensureSchema('postgres://cube:s3cret@127.0.0.1:1/cube', 'x', 2000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('127.0.0.1:1');
    expect(message).toContain('ECONNREFUSED');
    expect(message).not.toContain('s3cret');
    expect(message).not.toContain('\n');
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(ensureSchema(DATABASE_URL, 'x"; DROP TABLE y; --')).rejects.toThrow('invalid schema name');
  });
});

describe('redactDatabaseUrl', () => {
  it('hides the password only', () => {
    expect(redactDatabaseUrl('postgres://u:p@h:5432/d')).toBe('postgres://u:***@h:5432/d');
    expect(redactDatabaseUrl('postgres://u@h/d')).toBe('postgres://u@h/d');
  });
});
