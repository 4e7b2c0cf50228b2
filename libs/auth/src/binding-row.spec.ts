import { bindingFromRow, scopeColumns, StoredBindingRow } from './binding-row';

const row = (overrides: Partial<StoredBindingRow>): StoredBindingRow => ({
  id: '0b7c6f7e-5d1a-4c3e-9f43-6a1d8c2b9e10',
  subjectKind: 'Group',
  subjectName: 'devs',
  role: 'member',
  scopeKind: 'platform',
  tenant: null,
  project: null,
  createdAt: new Date('2026-12-03T09:00:00.123Z'),
  createdBy: 'admin',
  origin: 'ldap',
  version: 2,
  ...overrides,
});

describe('bindingFromRow', () => {
  it('maps each scope kind to the contract and back', () => {
    for (const scope of [
      { kind: 'platform' as const },
      { kind: 'tenant' as const, tenant: 'acme' },
      { kind: 'project' as const, tenant: 'acme', project: 'web' },
    ]) {
      const binding = bindingFromRow(row(scopeColumns(scope)));
      expect(binding.scope).toEqual(scope);
      expect(scopeColumns(binding.scope)).toEqual(scopeColumns(scope));
    }
  });

  it('carries subject, origin, version and the creation time as ISO text', () => {
    expect(bindingFromRow(row({}))).toEqual({
      id: '0b7c6f7e-5d1a-4c3e-9f43-6a1d8c2b9e10',
      subject: { kind: 'Group', name: 'devs' },
      role: 'member',
      scope: { kind: 'platform' },
      createdAt: '2026-12-03T09:00:00.123Z',
      createdBy: 'admin',
      origin: 'ldap',
      version: 2,
    });
  });
});
