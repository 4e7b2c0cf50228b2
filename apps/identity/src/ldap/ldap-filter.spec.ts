import { escapeFilterValue, fillFilter, sameDn } from './ldap-filter';

describe('LDAP filter escaping (RFC 4515)', () => {
  it.each([
    ['alice', 'alice'],
    ['*', '\\2a'],
    ['a(b)c', 'a\\28b\\29c'],
    ['back\\slash', 'back\\5cslash'],
    ['nul\0byte', 'nul\\00byte'],
    ['*)(uid=*', '\\2a\\29\\28uid=\\2a'],
    ['jörg', 'jörg'],
  ])('escapes %j as %j', (value, escaped) => {
    expect(escapeFilterValue(value)).toBe(escaped);
  });

  it('fills every placeholder of a template with the escaped value', () => {
    expect(fillFilter('(&(objectClass=person)(|(uid={username})(mail={username})))', { username: 'a*' })).toBe(
      '(&(objectClass=person)(|(uid=a\\2a)(mail=a\\2a)))',
    );
  });

  it('escapes a DN put into a group filter and leaves unknown placeholders alone', () => {
    expect(fillFilter('(&(member={dn})(x={other}))', { dn: 'uid=a\\,b,ou=people' })).toBe('(&(member=uid=a\\5c,b,ou=people)(x={other}))');
  });

  it('does not let an injected user name widen the search', () => {
    const filter = fillFilter('(uid={username})', { username: '*)(|(uid=*' });
    expect(filter).toBe('(uid=\\2a\\29\\28|\\28uid=\\2a)');
    expect(filter.match(/[()]/g)).toEqual(['(', ')']);
  });
});

describe('sameDn', () => {
  it('ignores case and spaces around separators', () => {
    expect(sameDn('CN=Ops, OU=Groups,dc=example,dc=org', 'cn=ops,ou=groups,dc=example,dc=org')).toBe(true);
    expect(sameDn('cn=ops,ou=groups,dc=example,dc=org', 'cn=dev,ou=groups,dc=example,dc=org')).toBe(false);
  });
});
