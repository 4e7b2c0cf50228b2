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
    expect(readableWhere(defineAbilityFor(alice, []), 'Project', columns, 1)).toEqual({ sql: 'FALSE', params: [] });
    expect(readableWhere(defineAbilityFor(alice, [binding('platform-admin', { kind: 'platform' })]), 'Project', columns, 1).sql).toBe('TRUE');
  });

  it('narrows to the tenants and projects the caller is bound to, numbering parameters from the given one', () => {
    const ability = defineAbilityFor(alice, [
      binding('member', { kind: 'tenant', tenant: 'acme' }),
      binding('viewer', { kind: 'project', tenant: 'globex', project: 'web' }),
    ]);
    const condition = readableWhere(ability, 'Project', columns, 3);
    expect(condition.params.sort()).toEqual(['acme', 'globex', 'web']);
    expect(condition.sql).toContain('p."tenant" = $');
    expect(condition.sql).toMatch(/\$3/);
    expect(condition.sql).not.toMatch(/\$[12]\b/);
    // A project binding lets its holder read the tenant, not the tenant's other projects.
    expect(readableWhere(ability, 'Tenant', { tenant: 't."name"' }, 1).params.sort()).toEqual(['acme', 'globex']);
  });
});
