import { randomUUID } from 'node:crypto';
import { defineAbilityFor, readableWhere } from '@cube/auth';
import { RoleBinding } from '@cube/contracts';
import { migratedScratchDatabase } from '@cube/persistence';
import { DataSource } from 'typeorm';
import { entities } from '../entities';
import { migrations } from '../migrations';
import { MEMBER_VISIBILITY_COLUMNS, RoleBindingsProjection } from './role-bindings.projection';

let clock = Date.parse('2026-12-01T00:00:00Z');
const makeBinding = (
  subject: string,
  role: RoleBinding['role'],
  scope: RoleBinding['scope'],
  kind: 'User' | 'Group' = 'User',
): RoleBinding => ({
  id: randomUUID(),
  subject: { kind, name: subject },
  role,
  scope,
  createdAt: new Date((clock += 1000)).toISOString(),
  createdBy: 'spec',
  origin: 'manual',
  version: 1,
});

// Tenancy's copy of the role bindings against the machine's PostgreSQL, in a database of its own.
describe('RoleBindingsProjection', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let projection: RoleBindingsProjection;
  const tara = makeBinding('tara', 'tenant-admin', { kind: 'tenant', tenant: 'acme' });
  const devs = makeBinding('devs', 'member', { kind: 'project', tenant: 'acme', project: 'web' }, 'Group');
  const vic = makeBinding('vic', 'viewer', { kind: 'project', tenant: 'acme', project: 'data' });
  const root = makeBinding('root', 'platform-admin', { kind: 'platform' });
  const other = makeBinding('olga', 'member', { kind: 'tenant', tenant: 'globex' });

  beforeAll(async () => {
    ({ db, drop } = await migratedScratchDatabase('tenancy_role_bindings', { schema: 'tenancy', migrations, entities }));
    projection = new RoleBindingsProjection(db);
    for (const binding of [tara, devs, vic, root, other]) expect(await projection.created(binding)).toBe(true);
  });

  afterAll(async () => {
    await drop();
  });

  it('records a binding once and gives it back as it came', async () => {
    expect(await projection.created(tara)).toBe(false);
    expect(await projection.forPrincipal('tara', [])).toEqual([tara]);
    expect(await projection.forPrincipal('nobody', ['devs'])).toEqual([devs]);
    expect(await projection.platformBindings()).toEqual([root]);
  });

  it("reads a tenant's bindings, optionally those that reach one project", async () => {
    expect((await projection.inTenant('acme')).map((binding) => binding.id)).toEqual([tara.id, devs.id, vic.id]);
    expect((await projection.inTenant('acme', 'web')).map((binding) => binding.id)).toEqual([tara.id, devs.id]);
  });

  it('pages the members a caller may read by id, filtered by the query', async () => {
    const viewerOfData = defineAbilityFor({ name: 'vic', groups: [] }, [vic]);
    const readable = readableWhere(viewerOfData, 'RoleBinding', MEMBER_VISIBILITY_COLUMNS);
    expect((await projection.pageInTenant('acme', readable, 10, null)).map((binding) => binding.id)).toEqual([vic.id]);
    const admin = readableWhere(defineAbilityFor({ name: 'tara', groups: [] }, [tara]), 'RoleBinding', MEMBER_VISIBILITY_COLUMNS);
    const byId = [tara.id, devs.id, vic.id].sort();
    expect((await projection.pageInTenant('acme', admin, 1, null)).map((binding) => binding.id)).toEqual(byId.slice(0, 2));
    expect((await projection.pageInTenant('acme', admin, 5, byId[0] ?? null)).map((binding) => binding.id)).toEqual(byId.slice(1));
  });

  it('keeps a deletion as a tombstone that a late creation cannot undo', async () => {
    expect(await projection.deleted(vic)).toBe(true);
    expect(await projection.deleted(vic)).toBe(false);
    expect(await projection.created(vic)).toBe(false);
    expect((await projection.inTenant('acme')).map((binding) => binding.id)).not.toContain(vic.id);
  });

  it('reconciles with a snapshot: adds the missing, tombstones only the older absent ones', async () => {
    const requestedAt = new Date();
    const fresh = makeBinding('fred', 'viewer', { kind: 'tenant', tenant: 'acme' });
    const { added, removed } = await projection.reconcile([tara, devs, root, fresh], requestedAt);
    expect(added).toEqual([fresh]);
    expect(removed).toEqual([other]);
    expect(await projection.reconcile([tara, devs, root, fresh], new Date())).toEqual({ added: [], removed: [] });
  });
});
