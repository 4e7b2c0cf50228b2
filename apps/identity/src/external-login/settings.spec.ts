import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, loadEnvironment } from '@cube/service-runtime';
import { IdentityEnvironment } from '../identity-environment';
import { ldapSettingsOf } from '../ldap/ldap-settings';
import { oidcSettingsOf } from '../oidc/oidc-settings';

const envOf = (vars: Record<string, string>) => loadEnvironment(IdentityEnvironment, vars);
const dir = mkdtempSync(join(tmpdir(), 'cube-identity-settings-'));

describe('LDAP settings', () => {
  const ldap = { CUBE_LDAP_URL: 'ldap://127.0.0.1:389', CUBE_LDAP_USER_BASE: 'ou=people,dc=example,dc=org' };

  it('is off without CUBE_LDAP_URL', () => {
    expect(ldapSettingsOf(envOf({}))).toBeNull();
  });

  it('reads the bind password from a file, without its trailing newline', () => {
    const file = join(dir, 'bind-password');
    writeFileSync(file, 'from-a-file\n');
    const settings = ldapSettingsOf(envOf({ ...ldap, CUBE_LDAP_BIND_DN: 'cn=svc', CUBE_LDAP_BIND_PASSWORD_FILE: file }));
    expect(settings?.bindPassword).toBe('from-a-file');
    expect(settings?.groups).toEqual({ kind: 'member-of', attribute: 'memberOf' });
  });

  it.each([
    ['no user base', { CUBE_LDAP_URL: 'ldap://127.0.0.1:389' }, /CUBE_LDAP_USER_BASE is required/],
    ['a URL of another scheme', { ...ldap, CUBE_LDAP_URL: 'http://127.0.0.1' }, /CUBE_LDAP_URL must be/],
    ['a user filter without placeholder', { ...ldap, CUBE_LDAP_USER_FILTER: '(uid=admin)' }, /must contain \{username\}/],
  ])('refuses a configuration with %s', (_what, vars, message) => {
    expect(() => envOf(vars)).toThrow(message);
  });

  it.each([
    ['a bind DN without password', { ...ldap, CUBE_LDAP_BIND_DN: 'cn=svc' }, /needs CUBE_LDAP_BIND_PASSWORD/],
    [
      'both an inline and a file password',
      { ...ldap, CUBE_LDAP_BIND_DN: 'cn=svc', CUBE_LDAP_BIND_PASSWORD: 'x', CUBE_LDAP_BIND_PASSWORD_FILE: '/x' },
      /not both/,
    ],
    [
      'an unreadable password file',
      { ...ldap, CUBE_LDAP_BIND_DN: 'cn=svc', CUBE_LDAP_BIND_PASSWORD_FILE: join(dir, 'missing') },
      /FILE cannot be read/,
    ],
    ['a bad role mapping', { ...ldap, CUBE_LDAP_ROLE_MAPPING: '[{"group":"g"}]' }, /CUBE_LDAP_ROLE_MAPPING\[0\]/],
  ])('refuses %s at start, naming the variable', (_what, vars, message) => {
    expect(() => ldapSettingsOf(envOf(vars))).toThrow(ConfigurationError);
    expect(() => ldapSettingsOf(envOf(vars))).toThrow(message);
  });

  it('never puts a secret value in its error message', () => {
    expect(() =>
      ldapSettingsOf(
        envOf({ ...ldap, CUBE_LDAP_BIND_DN: 'cn=svc', CUBE_LDAP_BIND_PASSWORD: 'hunter2', CUBE_LDAP_BIND_PASSWORD_FILE: '/x' }),
      ),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});

describe('OIDC settings', () => {
  const oidc = {
    CUBE_OIDC_ISSUER_URL: 'https://id.example.com',
    CUBE_OIDC_CLIENT_ID: 'cube',
    CUBE_OIDC_REDIRECT_URL: 'https://cube.example.com/api/v1/auth/oidc/callback',
    CUBE_OIDC_ALLOWED_REDIRECTS: 'https://cube.example.com/app',
  };

  it('is off without CUBE_OIDC_ISSUER_URL', () => {
    expect(oidcSettingsOf(envOf({}))).toBeNull();
  });

  it('accepts http:// only for a loopback issuer', () => {
    expect(oidcSettingsOf(envOf({ ...oidc, CUBE_OIDC_ISSUER_URL: 'http://127.0.0.1:4000' }))?.insecureLoopback).toBe(true);
    expect(oidcSettingsOf(envOf(oidc))?.insecureLoopback).toBe(false);
    expect(() => oidcSettingsOf(envOf({ ...oidc, CUBE_OIDC_ISSUER_URL: 'http://id.example.com' }))).toThrow(/https/);
  });

  it.each([
    ['a client id', 'CUBE_OIDC_CLIENT_ID', /CUBE_OIDC_CLIENT_ID is required/],
    ['a redirect URL', 'CUBE_OIDC_REDIRECT_URL', /CUBE_OIDC_REDIRECT_URL is required/],
    ['an allow-list of SPA addresses', 'CUBE_OIDC_ALLOWED_REDIRECTS', /CUBE_OIDC_ALLOWED_REDIRECTS is required/],
  ])('refuses configuration without %s', (_what, missing, message) => {
    const vars: Record<string, string> = { ...oidc };
    delete vars[missing];
    expect(() => envOf(vars)).toThrow(message);
  });
});
