import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Attribute, Change } from 'ldapts';
import { RunningStack } from '@cube/dev-stack';
import { CertificateAuthority, makeCertificateAuthority } from '@cube/testing';
import { TestLdapServer } from './ldap-server';
import { CallOptions, gatewayClient, LineLog, startTestStack, tempDir, TestStack, waitForStatus } from './support';

const ADMIN_PASSWORD = 'e2e-root-secret-2026';

interface Binding {
  role: string;
  scope: Record<string, string>;
  origin: string;
}

/**
 * A slapd that serves LDAPS and StartTLS with a certificate from the test's CA, refuses plain-text
 * binds (`security tls=1`) and keeps `memberOf` with the memberof overlay; one Cube stack per way
 * of reaching it. Identity trusts the CA through CUBE_LDAP_CA_FILE and reads groups from memberOf
 * (no CUBE_LDAP_GROUP_BASE).
 */
function describeLdapOverTls(mode: 'ldaps' | 'starttls'): void {
  describe(`LDAP login over ${mode === 'ldaps' ? 'LDAPS' : 'StartTLS'} with groups from memberOf`, () => {
    const log = new LineLog();
    let ca: CertificateAuthority;
    let ldap: TestLdapServer;
    let files: { path: string; remove(): Promise<void> };
    let running: TestStack;
    let stack: RunningStack;
    let nextIp = 1;
    const freshIp = () => `10.8.${Math.floor(nextIp / 250)}.${(nextIp++ % 250) + 1}`;

    const client = gatewayClient(() => stack.gatewayUrl);
    const call = (method: string, path: string, options: CallOptions = {}) => client.call(method, path, options);
    const ldapLogin = (username: string, password: string) => client.login(username, password, { provider: 'ldap', ip: freshIp() });

    /** The user's bindings after an LDAP login, as `role@scope/origin`. */
    const bindingsAfterLogin = async (username: string, password: string): Promise<string[]> => {
      const session = await ldapLogin(username, password);
      expect(session.status).toBe(200);
      const me = await call('GET', '/api/v1/me', { token: String(session.body['accessToken']) });
      expect(me.status).toBe(200);
      return (me.body['bindings'] as Binding[])
        .map((b) => `${b.role}@${b.scope['kind']}${b.scope['tenant'] ? `:${b.scope['tenant']}` : ''}/${b.origin}`)
        .sort();
    };

    beforeAll(async () => {
      ca = await makeCertificateAuthority('cube-e2e-ldap-ca');
      ldap = await TestLdapServer.start(
        {
          users: [
            { uid: 'erin', password: 'erin-ldap-secret', cn: 'Erin Example' },
            { uid: 'frank', password: 'frank-ldap-secret' },
          ],
          groups: [
            { cn: 'admins', members: ['erin'] },
            { cn: 'devs', members: ['erin', 'frank'] },
          ],
        },
        { tls: await ca.issue(['localhost']), requireTls: true, memberOf: true },
      );
      files = await tempDir('cube-ldap-tls');
      const caFile = join(files.path, 'ldap-ca.pem');
      await writeFile(caFile, ca.caCert);
      const bindPasswordFile = join(files.path, 'bind-password');
      await writeFile(bindPasswordFile, ldap.adminPassword, { mode: 0o600 });
      running = await startTestStack(
        `identity_ldap_${mode}`,
        {
          CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD,
          CUBE_TRUST_PROXY: 'loopback',
          CUBE_LDAP_URL: mode === 'ldaps' ? ldap.ldapsUrl : ldap.url,
          CUBE_LDAP_STARTTLS: mode === 'starttls' ? 'true' : 'false',
          CUBE_LDAP_CA_FILE: caFile,
          CUBE_LDAP_BIND_DN: TestLdapServer.adminDn,
          CUBE_LDAP_BIND_PASSWORD_FILE: bindPasswordFile,
          CUBE_LDAP_USER_BASE: `ou=people,${TestLdapServer.suffix}`,
          CUBE_LDAP_TIMEOUT_MS: '2000',
          CUBE_LDAP_ROLE_MAPPING: JSON.stringify([
            { group: ldap.groupDn('admins'), role: 'platform-admin', scope: { kind: 'platform' } },
            { group: ldap.groupDn('devs'), role: 'member', scope: { kind: 'tenant', tenant: 'acme' } },
          ]),
        },
        log.push,
      );
      stack = running.stack;
      await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    });

    afterAll(async () => {
      await running?.stop();
      await ldap?.stop();
      await files?.remove();
    });

    it('keeps memberOf in the directory itself (the overlay is loaded)', async () => {
      const { searchEntries } = await ldap.asAdmin((client) =>
        client.search(ldap.userDn('erin'), { scope: 'base', attributes: ['memberOf'] }),
      );
      expect([searchEntries[0]?.['memberOf']].flat().map(String).sort()).toEqual([ldap.groupDn('admins'), ldap.groupDn('devs')]);
    });

    it('signs in over TLS, trusting the configured CA, and maps the groups of memberOf', async () => {
      expect(await bindingsAfterLogin('erin', 'erin-ldap-secret')).toEqual(['member@tenant:acme/ldap', 'platform-admin@platform/ldap']);
      expect(await bindingsAfterLogin('frank', 'frank-ldap-secret')).toEqual(['member@tenant:acme/ldap']);
    });

    it('follows memberOf when the user leaves a group', async () => {
      await ldap.asAdmin((client) =>
        client.modify(
          ldap.groupDn('devs'),
          new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [ldap.userDn('frank')] }) }),
        ),
      );
      expect(await bindingsAfterLogin('frank', 'frank-ldap-secret')).toEqual([]);
    });

    it('refuses a server whose certificate the configured CA did not sign, with a reason, and recovers', async () => {
      const stranger = await makeCertificateAuthority('someone-else');
      await ldap.pause();
      await ldap.writeCertificate(await stranger.issue(['localhost']));
      await ldap.resume();
      try {
        const refused = await ldapLogin('erin', 'erin-ldap-secret');
        expect(refused.status).toBe(503);
        expect(refused.body).toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'ldap_tls_untrusted' } });
      } finally {
        await ldap.pause();
        await ldap.writeCertificate(await ca.issue(['localhost']));
        await ldap.resume();
      }
      expect((await ldapLogin('erin', 'erin-ldap-secret')).status).toBe(200);
    });

    it('never writes the bind password or a user password to the log', () => {
      const text = log.all().join('\n');
      expect(text).not.toContain(ldap.adminPassword);
      expect(text).not.toContain('erin-ldap-secret');
    });
  });
}

describeLdapOverTls('ldaps');
describeLdapOverTls('starttls');
