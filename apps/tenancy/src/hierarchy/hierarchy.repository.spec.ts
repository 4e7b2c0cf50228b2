import { DataSource } from 'typeorm';
import { defineAbilityFor } from '@cube/auth';
import { RoleBinding } from '@cube/contracts';
import { migratedScratchDatabase } from '@cube/persistence';
import { entities } from '../entities';
import { migrations } from '../migrations';
import { QuotaLedgerRepository } from '../quota/quota-ledger.repository';
import { QuotaUsageRepository } from '../quota/quota-usage.repository';
import { BY_NAME, HierarchyRepository } from './hierarchy.repository';

const bound = (role: RoleBinding['role'], scope: RoleBinding['scope']): RoleBinding => ({
  id: `${role}-${JSON.stringify(scope)}`,
  subject: { kind: 'User', name: 'alice' },
  role,
  scope,
  createdAt: '2026-01-01T00:00:00Z',
  createdBy: 'admin',
  origin: 'manual',
  version: 1,
});
const PLATFORM_ADMIN = defineAbilityFor({ name: 'alice', groups: [] }, [bound('platform-admin', { kind: 'platform' })]);

// Tenancy's repositories against the machine's PostgreSQL, in a database of their own with tenancy's migrations.
describe('tenancy repositories', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let hierarchy: HierarchyRepository;
  let ledger: QuotaLedgerRepository;
  let usage: QuotaUsageRepository;

  beforeAll(async () => {
    ({ db, drop } = await migratedScratchDatabase('tenancy_repositories', { schema: 'tenancy', migrations, entities }));
    hierarchy = new HierarchyRepository(db);
    ledger = new QuotaLedgerRepository(db);
    usage = new QuotaUsageRepository(db);
    for (const tenant of ['acme', 'globex', 'initech']) await hierarchy.insertTenant(tenant, { displayName: tenant.toUpperCase() }, 'spec');
    await hierarchy.insertProject('acme', 'web', {}, 'spec');
    await hierarchy.insertProject('acme', 'data', {}, 'spec');
    await hierarchy.insertProject('globex', 'web', {}, 'spec');
    await db.transaction(async (tx) => {
      await hierarchy.insertNamespace(tx, {
        cluster: 'east',
        name: 'acme-web',
        tenant: 'acme',
        project: 'web',
        quota: { 'requests.cpu': '1' },
        createdBy: 'spec',
      });
      await hierarchy.insertNamespace(tx, {
        cluster: 'east',
        name: 'acme-data',
        tenant: 'acme',
        project: 'data',
        quota: { 'requests.cpu': '500m' },
        createdBy: 'spec',
      });
      await hierarchy.insertNamespace(tx, {
        cluster: 'west',
        name: 'acme-web',
        tenant: 'acme',
        project: 'web',
        quota: null,
        createdBy: 'spec',
      });
      await hierarchy.insertNamespace(tx, {
        cluster: 'east',
        name: 'globex-web',
        tenant: 'globex',
        project: 'web',
        quota: null,
        createdBy: 'spec',
      });
    });
  });

  afterAll(async () => {
    await drop();
  });

  it('lists only what the ability may read, by name after the key it is given', async () => {
    const member = defineAbilityFor({ name: 'alice', groups: [] }, [
      bound('member', { kind: 'tenant', tenant: 'acme' }),
      bound('viewer', { kind: 'tenant', tenant: 'initech' }),
    ]);
    expect((await hierarchy.listTenants(member, { limit: 10 })).map((row) => row.name)).toEqual(['acme', 'initech']);
    expect((await hierarchy.listTenants(PLATFORM_ADMIN, { limit: 10 })).map((row) => row.name)).toEqual(['acme', 'globex', 'initech']);
    // limit + 1 rows: the extra one tells the page that more follow.
    expect((await hierarchy.listTenants(PLATFORM_ADMIN, { limit: 1 })).map((row) => row.displayName)).toEqual(['ACME', 'GLOBEX']);
    expect((await hierarchy.listTenants(PLATFORM_ADMIN, { limit: 5, cursor: BY_NAME.encode(['acme']) })).map((row) => row.name)).toEqual([
      'globex',
      'initech',
    ]);
    expect(await hierarchy.findTenant('globex', member)).toBeNull();
    expect(await hierarchy.findTenant('globex')).toMatchObject({ name: 'globex', version: 1 });
  });

  it('refuses a second namespace of the same name in a cluster, and one in a project that does not exist', async () => {
    const duplicate = db.transaction((tx) =>
      hierarchy.insertNamespace(tx, {
        cluster: 'east',
        name: 'acme-web',
        tenant: 'globex',
        project: 'web',
        quota: null,
        createdBy: 'spec',
      }),
    );
    await expect(duplicate).rejects.toMatchObject({ driverError: { code: '23505' } });
    const orphan = db.transaction((tx) =>
      hierarchy.insertNamespace(tx, { cluster: 'east', name: 'orphan', tenant: 'acme', project: 'nope', quota: null, createdBy: 'spec' }),
    );
    await expect(orphan).rejects.toMatchObject({ driverError: { code: '23503' } });
  });

  it("reads a tenant's namespace shares in a cluster, leaving out the one being changed", async () => {
    const shares = await db.transaction((tx) => hierarchy.namespaceShares(tx, 'acme', 'east'));
    expect(shares).toEqual(expect.arrayContaining([{ 'requests.cpu': '1' }, { 'requests.cpu': '500m' }]));
    expect(await db.transaction((tx) => hierarchy.namespaceShares(tx, 'acme', 'east', 'acme-web'))).toEqual([{ 'requests.cpu': '500m' }]);
    expect(await hierarchy.namespacePlacements()).toEqual(
      expect.arrayContaining([
        { tenant: 'acme', cluster: 'east' },
        { tenant: 'acme', cluster: 'west' },
        { tenant: 'globex', cluster: 'east' },
      ]),
    );
  });

  it('keeps a quota row per (tenant, cluster), created empty and locked by the ledger', async () => {
    const created = await db.transaction((tx) => ledger.lockOrCreateTenantQuota(tx, 'acme', 'east'));
    expect(created).toMatchObject({ tenant: 'acme', cluster: 'east', hard: {}, version: 1 });
    const updated = await db.transaction((tx) => ledger.setTenantHard(tx, 'acme', 'east', { 'requests.cpu': '4' }));
    expect(updated).toMatchObject({ hard: { 'requests.cpu': '4' }, version: 2 });
    expect(await ledger.tenantQuota('acme', 'east')).toMatchObject({ hard: { 'requests.cpu': '4' } });
    expect(await ledger.quotaPlacements()).toContainEqual({ tenant: 'acme', cluster: 'east' });
  });

  it('keeps the latest usage a cluster reported, and only for the namespaces asked about', async () => {
    await usage.replaceClusterUsage(
      'east',
      new Map([
        ['acme-web', { pods: '2' }],
        ['globex-web', { pods: '1' }],
      ]),
      new Date('2026-12-03T10:00:00Z'),
    );
    // A late heartbeat does not overwrite a newer one.
    await usage.replaceClusterUsage('east', new Map([['acme-web', { pods: '9' }]]), new Date('2026-12-03T09:00:00Z'));
    expect(await usage.usageOf(await hierarchy.namespacesOf('acme'))).toEqual([{ cluster: 'east', used: { pods: '2' } }]);
    expect(await usage.usageOf([])).toEqual([]);
    await usage.replaceClusterUsage('east', new Map(), new Date('2026-12-03T11:00:00Z'));
    expect(await usage.usageOf(await hierarchy.namespacesOf('globex'))).toEqual([]);
  });

  it('deletes a namespace, a project and a tenant bottom-up', async () => {
    const ref = { tenant: 'acme', project: 'web', cluster: 'west', namespace: 'acme-web' };
    expect(await db.transaction((tx) => hierarchy.setNamespaceQuota(tx, ref, { pods: '3' }))).toMatchObject({
      quota: { pods: '3' },
      version: 2,
    });
    expect(await db.transaction((tx) => hierarchy.deleteNamespace(tx, ref))).toMatchObject({ name: 'acme-web', cluster: 'west' });
    expect(await db.transaction((tx) => hierarchy.deleteNamespace(tx, ref))).toBeNull();
    await db.transaction((tx) => hierarchy.deleteProject(tx, 'acme', 'data'));
    expect((await hierarchy.namespacesOf('acme')).map((row) => `${row.cluster}/${row.name}`)).toEqual(['east/acme-web']);
    await db.transaction(async (tx) => {
      await hierarchy.deleteProjectsOf(tx, 'acme');
      await ledger.deleteTenantQuotas(tx, 'acme');
      await hierarchy.deleteTenant(tx, 'acme');
    });
    expect(await hierarchy.findTenant('acme')).toBeNull();
    expect(await ledger.tenantQuotas('acme')).toEqual([]);
    expect(await hierarchy.namespacesOf('globex')).toHaveLength(1);
  });
});
