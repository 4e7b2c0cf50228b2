import { defineAbilityFor, readableWhere } from '@cube/auth';
import { RoleBinding } from '@cube/contracts';

const binding = (role: RoleBinding['role'], scope: RoleBinding['scope']): RoleBinding => ({
  id: `${role}-${scope.kind}`,
  subject: { kind: 'User', name: 'alice' },
  role,
  scope,
  createdAt: '2026-01-01T00:00:00Z',
  createdBy: 'admin',
  origin: 'manual',
  version: 1,
});
const alice = { name: 'alice', groups: [] };
const columns = { tenant: 'p."tenant"', project: 'p."name"' };

describe('visibility as a SQL condition', () => {
  it('makes nothing visible without bindings and everything for a platform admin', () => {
    expect(readableWhere(defineAbilityFor(alice, []), 'Project', columns)).toEqual({ sql: 'FALSE', params: {} });
    expect(readableWhere(defineAbilityFor(alice, [binding('platform-admin', { kind: 'platform' })]), 'Project', columns).sql).toBe('TRUE');
  });

  it('narrows to the tenants and projects the caller is bound to, with parameters named from the given prefix', () => {
    const ability = defineAbilityFor(alice, [
      binding('member', { kind: 'tenant', tenant: 'acme' }),
      binding('viewer', { kind: 'project', tenant: 'globex', project: 'web' }),
    ]);
    const condition = readableWhere(ability, 'Project', columns, 'visible');
    expect(Object.values(condition.params).sort()).toEqual(['acme', 'globex', 'web']);
    expect(condition.sql).toContain('p."tenant" = :visible_');
    // A project binding lets its holder read the tenant, not the tenant's other projects.
    expect(Object.values(readableWhere(ability, 'Tenant', { tenant: 't."name"' }).params).sort()).toEqual(['acme', 'globex']);
  });
});
