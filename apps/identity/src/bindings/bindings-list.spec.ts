import { Client } from 'pg';
import type { NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { Actor, BindingScope, RoleBinding, RoleName } from '@cube/contracts';
import { ensureSchema, openServiceDataSource, serviceDataSourceOptions } from '@cube/persistence';
import { IdentityOutbox } from '../events/identity-outbox';
import { entities } from '../entities';
import { migrations } from '../migrations';
import { UsersRepository } from '../users/users.repository';
import { AbilitiesService } from './abilities.service';
import { BindingsRepository } from './bindings.repository';
import { BindingsService } from './bindings.service';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

// The binding list against the machine's PostgreSQL, in a database of its own with identity's migrations.
describe('BindingsService.list', () => {
  const database = `identity_bindings_${process.pid}_${Date.now()}`;
  let db: DataSource;
  let repository: BindingsRepository;
  let service: BindingsService;

  const tenantAdminOfAcme: Actor = { kind: 'user', name: 'tara', groups: [] };

  async function bind(subject: string, role: RoleName, scope: BindingScope): Promise<RoleBinding> {
    const binding = await repository.insert({ subject: { kind: 'User', name: subject }, role, scope, createdBy: 'spec' });
    if (!binding) throw new Error('duplicate binding in the fixture');
    return binding;
  }

  async function everyPage(actor: Actor, query: { scope?: string; limit: number }): Promise<{ pages: RoleBinding[][] }> {
    const pages: RoleBinding[][] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await service.list(actor, { ...query, cursor });
      pages.push(page.items);
      if (!page.nextCursor) return { pages };
      cursor = page.nextCursor;
      if (pages.length > 100) throw new Error('the cursor never ends');
    }
  }

  /** Every binding tara may see: hers and the acme ones. */
  const visibleToTara = new Set<string>();

  beforeAll(async () => {
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    await ensureSchema(url.toString(), 'identity');
    db = await openServiceDataSource(
      serviceDataSourceOptions({ url: url.toString(), schema: 'identity', poolMax: 2, migrations, entities }),
    );
    repository = new BindingsRepository(db);
    const nats = { subscribe: () => ({ unsubscribe: () => undefined }) } as unknown as NatsConnection;
    service = new BindingsService(repository, new AbilitiesService(repository, nats), new UsersRepository(db), {} as IdentityOutbox);

    visibleToTara.add((await bind('tara', 'tenant-admin', { kind: 'tenant', tenant: 'acme' })).id);
    // Interleaved: 7 of every 10 bindings are in another tenant, which tara must not see.
    for (let i = 0; i < 60; i += 1) {
      const tenant = i % 10 < 3 ? 'acme' : 'globex';
      const scope: BindingScope = i % 2 === 0 ? { kind: 'tenant', tenant } : { kind: 'project', tenant, project: 'web' };
      const binding = await bind(`user-${i}`, 'viewer', scope);
      if (tenant === 'acme') visibleToTara.add(binding.id);
    }
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  });

  it('fills every page with visible bindings and the cursor walks them all exactly once', async () => {
    const { pages } = await everyPage(tenantAdminOfAcme, { limit: 4 });
    const seen = pages.flat();
    // 18 acme viewer bindings and tara's own: 19, i.e. four full pages of 4 and one of 3.
    expect(seen).toHaveLength(19);
    expect(pages.map((page) => page.length)).toEqual([4, 4, 4, 4, 3]);
    expect(new Set(seen.map((binding) => binding.id))).toEqual(visibleToTara);
    // Oldest first, as one query without pages would return them.
    const times = seen.map((binding) => binding.createdAt);
    expect([...times].sort()).toEqual(times);
  });

  it('keeps the scope filter and visibility together', async () => {
    const { pages } = await everyPage(tenantAdminOfAcme, { scope: 'project:acme/web', limit: 5 });
    // i % 10 = 1 in 0..59: six acme project bindings; the globex ones at the same project name stay hidden.
    expect(pages.flat().map((binding) => binding.subject.name)).toEqual(['user-1', 'user-11', 'user-21', 'user-31', 'user-41', 'user-51']);
    expect(pages.map((page) => page.length)).toEqual([5, 1]);
    const hidden = await service.list(tenantAdminOfAcme, { scope: 'tenant:globex', limit: 5 });
    expect(hidden).toEqual({ items: [], nextCursor: null });
  });

  it('shows a platform actor every binding', async () => {
    const { pages } = await everyPage({ kind: 'system', name: 'spec' }, { limit: 25 });
    expect(pages.flat()).toHaveLength(61);
    expect(pages.map((page) => page.length)).toEqual([25, 25, 11]);
  });

  it('refuses a cursor it did not hand out with BAD_REQUEST', async () => {
    const error = await service.list(tenantAdminOfAcme, { cursor: 'not-a-cursor' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
  });
});
