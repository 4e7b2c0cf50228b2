import { ConfigurationError } from '@cube/service-runtime';
import { bindingsForGroups, parseGroupRoleMapping } from './group-role-mapping';

describe('parseGroupRoleMapping', () => {
  it('reads groups, roles and scopes of every kind', () => {
    const mapping = parseGroupRoleMapping(
      'CUBE_LDAP_ROLE_MAPPING',
      JSON.stringify([
        { group: 'cn=ops,ou=groups,dc=example,dc=org', role: 'platform-admin', scope: { kind: 'platform' } },
        { group: 'dev', role: 'member', scope: { kind: 'tenant', tenant: 'acme' } },
        { group: 'web', role: 'project-admin', scope: { kind: 'project', tenant: 'acme', project: 'shop' } },
      ]),
    );
    expect(mapping).toEqual([
      { group: 'cn=ops,ou=groups,dc=example,dc=org', role: 'platform-admin', scope: { kind: 'platform' } },
      { group: 'dev', role: 'member', scope: { kind: 'tenant', tenant: 'acme' } },
      { group: 'web', role: 'project-admin', scope: { kind: 'project', tenant: 'acme', project: 'shop' } },
    ]);
  });

  it.each([
    ['not JSON', '[{', /CUBE_X must be a JSON array/],
    ['not an array', '{}', /CUBE_X must be a JSON array/],
    ['an entry that is no object', '[1]', /CUBE_X\[0\]: not an object/],
    ['an unknown role', '[{"group":"g","role":"god","scope":{"kind":"platform"}}]', /CUBE_X\[0\]: role/],
    ['a tenant scope without tenant', '[{"group":"g","role":"member","scope":{"kind":"tenant"}}]', /CUBE_X\[0\]/],
    [
      'a platform role below platform scope',
      '[{"group":"g","role":"platform-admin","scope":{"kind":"tenant","tenant":"acme"}}]',
      /cannot be bound at tenant scope/,
    ],
    ['an unknown field', '[{"group":"g","role":"viewer","scope":{"kind":"platform"},"extra":1}]', /CUBE_X\[0\]/],
  ])('refuses %s, naming the variable', (_what, json, message) => {
    expect(() => parseGroupRoleMapping('CUBE_X', json)).toThrow(ConfigurationError);
    expect(() => parseGroupRoleMapping('CUBE_X', json)).toThrow(message);
  });
});

describe('bindingsForGroups', () => {
  const mapping = parseGroupRoleMapping(
    'M',
    JSON.stringify([
      { group: 'ops', role: 'platform-admin', scope: { kind: 'platform' } },
      { group: 'dev', role: 'member', scope: { kind: 'tenant', tenant: 'acme' } },
      { group: 'all', role: 'member', scope: { kind: 'tenant', tenant: 'acme' } },
    ]),
  );

  it('maps only the groups the user is in', () => {
    expect(bindingsForGroups(mapping, ['dev', 'unrelated'])).toEqual([
      { group: 'dev', role: 'member', scope: { kind: 'tenant', tenant: 'acme' } },
    ]);
    expect(bindingsForGroups(mapping, [])).toEqual([]);
  });

  it('yields one binding per role and scope when several groups ask for it', () => {
    expect(bindingsForGroups(mapping, ['all', 'dev'])).toHaveLength(1);
  });

  it('compares group names with the given equality', () => {
    const loose = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    expect(bindingsForGroups(mapping, ['OPS'])).toEqual([]);
    expect(bindingsForGroups(mapping, ['OPS'], loose)).toHaveLength(1);
  });
});
