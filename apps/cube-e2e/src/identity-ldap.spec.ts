import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Attribute, Change } from 'ldapts';
import { RunningStack } from '@cube/dev-stack';
import { TestLdapServer } from './ldap-server';
import { CallOptions, gatewayClient, LineLog, startTestStack, tempDir, TestStack, waitForStatus } from './support';

const ADMIN_PASSWORD = 'e2e-root-secret-2026';

interface Binding {
  id: string;
  subject: { kind: string; name: string };
  role: string;
  scope: Record<string, string>;
  origin: string;
}

// LDAP login through the gateway against a real OpenLDAP slapd with a seeded directory.
describe('LDAP login through the gateway', () => {
  const log = new LineLog();
  let ldap: TestLdapServer;
  let secrets: { path: string; remove(): Promise<void> };
  let running: TestStack;
  let stack: RunningStack;
  let adminToken: string;
  let nextIp = 1;
  /** A fresh client address per login, so per-IP limits stay out of tests that are not about them. */
  const freshIp = () => `10.9.${Math.floor(nextIp / 250)}.${(nextIp++ % 250) + 1}`;

  const client = gatewayClient(() => stack.gatewayUrl);
  const call = (method: string, path: string, options: CallOptions = {}) => client.call(method, path, options);
  const ldapLogin = (username: string, password: string, ip = freshIp()) => client.login(username, password, { provider: 'ldap', ip });

  const bindingsOf = async (user: string): Promise<Binding[]> => {
    const response = await call('GET', `/api/v1/rolebindings?user=${user}`, { token: adminToken });
    expect(response.status).toBe(200);
    return response.body['items'] as Binding[];
  };

  const ops = () => ldap.groupDn('ops');

  beforeAll(async () => {
    ldap = await TestLdapServer.start({
      users: [
        { uid: 'ann', password: 'ann-ldap-secret', cn: 'Ann Example', mail: 'ann@example.org', telephoneNumber: '+49 30 1234' },
        { uid: 'bob', password: 'bob-ldap-secret' },
        { uid: 'carol', password: 'carol-ldap-secret' },
        { uid: 'dave', password: 'dave-ldap-secret' },
      ],
      groups: [
        // groupOfNames needs a member: `nobody` (no entry) keeps ops valid once ann leaves it.
        { cn: 'ops', members: ['ann', 'nobody'] },
        { cn: 'dev', members: ['ann', 'bob'] },
      ],
    });
    secrets = await tempDir('cube-ldap-secrets');
    const bindPasswordFile = join(secrets.path, 'bind-password');
    await writeFile(bindPasswordFile, `${ldap.adminPassword}\n`, { mode: 0o600 });
    running = await startTestStack(
      'identity_ldap',
      {
        CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        CUBE_TRUST_PROXY: 'loopback',
        CUBE_LOGIN_MAX_FAILURES_PER_USER: '3',
        CUBE_LDAP_URL: ldap.url,
        CUBE_LDAP_BIND_DN: TestLdapServer.adminDn,
        CUBE_LDAP_BIND_PASSWORD_FILE: bindPasswordFile,
        CUBE_LDAP_USER_BASE: `ou=people,${TestLdapServer.suffix}`,
        CUBE_LDAP_USER_FILTER: '(&(objectClass=inetOrgPerson)(uid={username}))',
        CUBE_LDAP_GROUP_BASE: `ou=groups,${TestLdapServer.suffix}`,
        CUBE_LDAP_GROUP_FILTER: '(&(objectClass=groupOfNames)(member={dn}))',
        CUBE_LDAP_TIMEOUT_MS: '1000',
        CUBE_LDAP_ROLE_MAPPING: JSON.stringify([
          // Written with other case and spacing than slapd returns: DNs match loosely.
          { group: 'CN=ops, OU=groups, DC=example, DC=org', role: 'platform-admin', scope: { kind: 'platform' } },
          { group: 'cn=dev,ou=groups,dc=example,dc=org', role: 'member', scope: { kind: 'tenant', tenant: 'acme' } },
        ]),
      },
      log.push,
    );
    stack = running.stack;
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    const admin = await call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(admin.status).toBe(200);
    adminToken = String(admin.body['accessToken']);
  });

  afterAll(async () => {
    await running?.stop();
    await ldap?.stop();
    await secrets?.remove();
  });

  it('creates the user with source ldap, its directory attributes and group-mapped bindings', async () => {
    const session = await ldapLogin('ann', 'ann-ldap-secret');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(Object.keys(session.body).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);

    const me = await call('GET', '/api/v1/me', { token: String(session.body['accessToken']) });
    expect(me.status).toBe(200);
    expect(me.body['user']).toMatchObject({
      name: 'ann',
      source: 'ldap',
      displayName: 'Ann Example',
      email: 'ann@example.org',
      phone: '+49 30 1234',
      state: 'active',
    });
    const mapped = (me.body['bindings'] as Binding[]).map((b) => ({ subject: b.subject, role: b.role, scope: b.scope, origin: b.origin }));
    expect(mapped).toEqual(
      expect.arrayContaining([
        { subject: { kind: 'User', name: 'ann' }, role: 'platform-admin', scope: { kind: 'platform' }, origin: 'ldap' },
        { subject: { kind: 'User', name: 'ann' }, role: 'member', scope: { kind: 'tenant', tenant: 'acme' }, origin: 'ldap' },
      ]),
    );
    expect(mapped).toHaveLength(2);
    // The platform-admin binding is real: ann may list every user.
    expect((await call('GET', '/api/v1/users', { token: String(session.body['accessToken']) })).body['items']).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'admin' })]),
    );
    // The refresh token works like a local one.
    expect((await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: session.body['refreshToken'] } })).status).toBe(200);
  });

  it('answers a wrong password and an unknown user with the same 401 as local login', async () => {
    const ip = freshIp();
    const wrongPassword = await ldapLogin('bob', 'not-bobs-password', ip);
    const unknownUser = await ldapLogin('nobody', 'not-bobs-password', ip);
    const emptyPassword = await ldapLogin('bob', '', ip);
    const localWrong = await call('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: 'wrong-password' },
      headers: { 'X-Forwarded-For': ip },
    });
    for (const refused of [wrongPassword, unknownUser, emptyPassword, localWrong]) {
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({
        code: 'UNAUTHENTICATED',
        message: 'invalid user name or password',
        details: { reason: 'invalid_credentials' },
      });
    }
  });

  it('escapes the user name in the filter: a wildcard does not find someone else', async () => {
    expect((await ldapLogin('an*', 'ann-ldap-secret')).status).toBe(401);
    expect((await ldapLogin('*)(uid=ann', 'ann-ldap-secret')).status).toBe(401);
  });

  it('removes a group-mapped binding once the user left the group, keeping manual ones', async () => {
    expect((await ldapLogin('ann', 'ann-ldap-secret')).status).toBe(200);
    const manual = await call('POST', '/api/v1/rolebindings', {
      token: adminToken,
      body: { subject: { kind: 'User', name: 'ann' }, role: 'viewer', scope: { kind: 'tenant', tenant: 'other' } },
    });
    expect(manual.status).toBe(201);
    expect(manual.body['origin']).toBe('manual');

    await ldap.asAdmin((client) =>
      client.modify(
        ops(),
        new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [ldap.userDn('ann')] }) }),
      ),
    );
    const session = await ldapLogin('ann', 'ann-ldap-secret');
    expect(session.status).toBe(200);

    const after = (await bindingsOf('ann')).map(
      (b) => `${b.role}@${b.scope['kind']}${b.scope['tenant'] ? `:${b.scope['tenant']}` : ''}/${b.origin}`,
    );
    expect(after.sort()).toEqual(['member@tenant:acme/ldap', 'viewer@tenant:other/manual']);
    const me = await call('GET', '/api/v1/me', { token: String(session.body['accessToken']) });
    expect((me.body['bindings'] as Binding[]).some((b) => b.role === 'platform-admin')).toBe(false);
  });

  it('adds the binding back when the user joins the group again', async () => {
    await ldap.asAdmin((client) =>
      client.modify(ops(), new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [ldap.userDn('ann')] }) })),
    );
    expect((await ldapLogin('ann', 'ann-ldap-secret')).status).toBe(200);
    expect(
      (await bindingsOf('ann'))
        .filter((b) => b.origin === 'ldap')
        .map((b) => b.role)
        .sort(),
    ).toEqual(['member', 'platform-admin']);
  });

  it('refuses to take over a local user of the same name', async () => {
    const created = await call('POST', '/api/v1/users', { token: adminToken, body: { name: 'carol', password: 'a-local-secret-2026' } });
    expect(created.status).toBe(201);
    const refused = await ldapLogin('carol', 'carol-ldap-secret');
    expect(refused.status).toBe(409);
    expect(refused.body['details']).toEqual({ reason: 'account_source_conflict', source: 'local' });
    const carol = await call('GET', '/api/v1/users/carol', { token: adminToken });
    expect(carol.body['source']).toBe('local');
    expect(await bindingsOf('carol')).toEqual([]);
  });

  it('throttles LDAP logins like local ones', async () => {
    for (let i = 0; i < 3; i++) expect((await ldapLogin('dave', 'wrong-password')).status).toBe(401);
    const locked = await ldapLogin('dave', 'dave-ldap-secret');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('never writes the bind password or a user password to the log', () => {
    const text = log.all().join('\n');
    expect(text).not.toContain(ldap.adminPassword);
    expect(text).not.toContain('ann-ldap-secret');
  });

  it('answers 503 with a reason while the directory is down, and recovers', async () => {
    await ldap.pause();
    try {
      const down = await ldapLogin('bob', 'bob-ldap-secret');
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ code: 'UNAVAILABLE', details: { reason: 'ldap_unavailable' } });
    } finally {
      await ldap.resume();
    }
    expect((await ldapLogin('bob', 'bob-ldap-secret')).status).toBe(200);
  });
});
