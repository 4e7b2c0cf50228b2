import { ROLE_NAMES, type BindingScope, type RoleBinding } from '@cube/contracts';
import { assertMayGrant } from './grant-policy';
import { grantableRoles } from './grantable-roles';
import { makeBinding, PLATFORM, project, tenant } from './make-binding.testing';
import { BUILT_IN_ROLES } from './roles';

const ROLES = ROLE_NAMES.map((name) => BUILT_IN_ROLES[name]);
const SCOPES: BindingScope[] = [PLATFORM, tenant('acme'), tenant('globex'), project('acme', 'web'), project('acme', 'api')];
const HOLDINGS: RoleBinding[][] = [
  [],
  [makeBinding('platform-admin', PLATFORM)],
  [makeBinding('viewer', PLATFORM)],
  [makeBinding('tenant-admin', tenant('acme'))],
  [makeBinding('project-admin', project('acme', 'web'))],
  [makeBinding('member', project('acme', 'web'))],
  [makeBinding('member', tenant('acme')), makeBinding('project-admin', project('acme', 'web'))],
  // A binding stored at a scope its role does not allow confers nothing.
  [makeBinding('tenant-admin', project('acme', 'web'))],
];

const accepted = (held: RoleBinding[], scope: BindingScope) =>
  ROLE_NAMES.filter((role) => {
    try {
      assertMayGrant({ name: 'alice', groups: [], bindings: held }, { subject: { kind: 'User', name: 'bob' }, role, scope });
      return true;
    } catch {
      return false;
    }
  });

describe('grantableRoles', () => {
  it('offers exactly the roles the identity service accepts, for every holding and scope', () => {
    for (const held of HOLDINGS) {
      for (const scope of SCOPES) {
        const offered = grantableRoles(ROLES, held, scope).map((role) => role.name);
        expect({ held: held.map((b) => `${b.role}@${JSON.stringify(b.scope)}`), scope, offered: [...offered].sort() }).toEqual({
          held: held.map((b) => `${b.role}@${JSON.stringify(b.scope)}`),
          scope,
          offered: accepted(held, scope).sort(),
        });
      }
    }
  });

  it('lists the offered roles highest first', () => {
    expect(grantableRoles(ROLES, [makeBinding('tenant-admin', tenant('acme'))], tenant('acme')).map((role) => role.name)).toEqual([
      'tenant-admin',
      'member',
      'viewer',
    ]);
  });
});
