import { describe, expect, it } from 'vitest';
import type { components } from '../api/schema.gen';
import { grantableRoles } from './grantable-roles';

type Role = components['schemas']['RoleView'];
type Binding = components['schemas']['RoleBindingView'];

const role = (name: Role['name'], rank: number, scopes: Role['scopes']): Role => ({
  name,
  rank,
  scopes,
  description: '',
  platformRules: [],
  nativeRules: [],
});
const ROLES = [
  role('platform-admin', 5, ['platform']),
  role('tenant-admin', 4, ['tenant']),
  role('project-admin', 3, ['project']),
  role('member', 2, ['tenant', 'project']),
  role('viewer', 1, ['platform', 'tenant', 'project']),
];
const binding = (role: Binding['role'], scope: Binding['scope']): Binding =>
  ({
    id: `${role}-${JSON.stringify(scope)}`,
    subject: { kind: 'User', name: 'alice' },
    role,
    scope,
    createdAt: '',
    createdBy: 'admin',
  }) as unknown as Binding;
const names = (roles: Role[]) => roles.map((r) => r.name);

describe('grantableRoles', () => {
  it('offers a platform admin every role the scope allows', () => {
    const mine = [binding('platform-admin', { kind: 'platform' })];
    expect(names(grantableRoles(ROLES, mine, { kind: 'tenant', tenant: 'acme' }))).toEqual(['tenant-admin', 'member', 'viewer']);
    expect(names(grantableRoles(ROLES, mine, { kind: 'platform' }))).toEqual(['platform-admin', 'viewer']);
  });

  it('offers a tenant admin up to their own role in their tenant and its projects, nothing elsewhere', () => {
    const mine = [binding('tenant-admin', { kind: 'tenant', tenant: 'acme' })];
    expect(names(grantableRoles(ROLES, mine, { kind: 'tenant', tenant: 'acme' }))).toEqual(['tenant-admin', 'member', 'viewer']);
    expect(names(grantableRoles(ROLES, mine, { kind: 'project', tenant: 'acme', project: 'web' }))).toEqual([
      'project-admin',
      'member',
      'viewer',
    ]);
    expect(grantableRoles(ROLES, mine, { kind: 'tenant', tenant: 'other' })).toEqual([]);
    expect(grantableRoles(ROLES, mine, { kind: 'platform' })).toEqual([]);
  });

  it('offers a project admin nothing above project-admin, and members nothing at all', () => {
    const admin = [binding('project-admin', { kind: 'project', tenant: 'acme', project: 'web' })];
    expect(names(grantableRoles(ROLES, admin, { kind: 'project', tenant: 'acme', project: 'web' }))).toEqual([
      'project-admin',
      'member',
      'viewer',
    ]);
    expect(grantableRoles(ROLES, admin, { kind: 'tenant', tenant: 'acme' })).toEqual([]);
    expect(grantableRoles(ROLES, [binding('member', { kind: 'tenant', tenant: 'acme' })], { kind: 'tenant', tenant: 'acme' })).toEqual([]);
  });
});
