import { decodeProtectedHeader, createLocalJWKSet, jwtVerify, SignJWT, generateKeyPair, base64url } from 'jose';
import { connect, JSONCodec, NatsConnection, Subscription } from 'nats';
import { Client } from 'pg';
import { RunningStack } from '@cube/dev-stack';
import { CallOptions, eventually, gatewayClient, Json, LineLog, startTestStack, TestStack, until, waitForStatus } from './support';

const ADMIN_PASSWORD = 'e2e-root-secret-2026';

// Identity through the gateway's HTTP API, against the real stack (PostgreSQL, NATS, every service).
describe('identity through the gateway', () => {
  const log = new LineLog();
  let running: TestStack;
  let stack: RunningStack;
  let adminToken: string;
  let bus: NatsConnection;
  const seen: { subject: string; data: Record<string, unknown> }[] = [];
  const codec = JSONCodec<Record<string, unknown>>();
  const collect = (sub: Subscription) =>
    void (async () => {
      for await (const message of sub) seen.push({ subject: message.subject, data: codec.decode(message.data) });
    })();
  /**
   * Waits for a message on the bus matching the predicate. Audit records are stored before the reply;
   * domain events leave identity's outbox once the change has committed, so they are polled for.
   */
  const published = (predicate: (m: { subject: string; data: Record<string, unknown> }) => boolean, boundMs = 10_000) =>
    eventually(`a matching message among ${seen.length} seen`, boundMs, async () => {
      await bus.flush();
      return seen.find(predicate);
    });

  const client = gatewayClient(() => stack.gatewayUrl);
  const call = (method: string, path: string, options: CallOptions = {}) => client.call(method, path, options);

  const login = (username: string, password: string, ip?: string) => client.login(username, password, ip ? { ip } : {});

  /** Polls until the credential is refused; the bound under test is 10 s. */
  const refusedWithin = (token: string, boundMs: number) =>
    until('the credential refused', async () => (await call('GET', '/api/v1/users', { token })).status === 401, boundMs);

  beforeAll(async () => {
    running = await startTestStack(
      'identity',
      { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD, CUBE_TRUST_PROXY: 'loopback', CUBE_LOGIN_MAX_FAILURES_PER_USER: '3' },
      log.push,
    );
    stack = running.stack;
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    bus = await connect({ servers: running.natsUrl });
    collect(bus.subscribe('cube.events.identity.>'));
    collect(bus.subscribe('cube.audit.cube'));
    await bus.flush();
    const response = await login('admin', ADMIN_PASSWORD);
    expect(response.status).toBe(200);
    adminToken = String(response.body['accessToken']);
  });

  afterAll(async () => {
    await bus?.close();
    await running?.stop();
  });

  it('signs access tokens with Ed25519, verifiable against the published JWKS', async () => {
    const session = await login('admin', ADMIN_PASSWORD);
    expect(session.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const jwks = await call('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    const keys = jwks.body['keys'] as { kty: string; crv: string; d?: string }[];
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.kty === 'OKP' && k.crv === 'Ed25519' && k.d === undefined)).toBe(true);
    const token = String(session.body['accessToken']);
    expect(decodeProtectedHeader(token).alg).toBe('EdDSA');
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks.body as never), { issuer: 'cube', audience: 'cube' });
    expect(payload).toMatchObject({ sub: 'admin', name: 'admin', groups: [] });
    expect(typeof payload.jti).toBe('string');
    expect(Number(payload.exp) - Number(payload.iat)).toBe(900);

    // At rest the private key is sealed with the stack's CUBE_SECRET_KEY (AES-256-GCM).
    const db = new Client({ connectionString: running.databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ private_jwk: Record<string, unknown> }>('SELECT "private_jwk" FROM "identity"."signing_keys"');
    await db.end();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.private_jwk['sealed']).toBe('aes-256-gcm');
      expect(row.private_jwk).not.toHaveProperty('d');
    }
  });

  it('answers a wrong password and an unknown user with the same 401', async () => {
    const wrongPassword = await login('admin', 'not-the-password', '10.1.0.1');
    const unknownUser = await login('nobody-here', 'not-the-password', '10.1.0.1');
    expect(wrongPassword.status).toBe(401);
    expect(unknownUser.status).toBe(401);
    expect(wrongPassword.body).toEqual(unknownUser.body);
    expect(wrongPassword.body).toEqual({
      code: 'UNAUTHENTICATED',
      message: 'invalid user name or password',
      details: { reason: 'invalid_credentials' },
    });
  });

  it('refuses LDAP and OIDC login with a reason when they are not configured', async () => {
    const ldap = await call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD, provider: 'ldap' } });
    expect(ldap.status).toBe(400);
    expect(ldap.body).toMatchObject({ code: 'BAD_REQUEST', details: { reason: 'provider_not_configured', provider: 'ldap' } });
    for (const path of ['/api/v1/auth/oidc/login', '/api/v1/auth/oidc/callback?code=c&state=s']) {
      const oidc = await fetch(`${stack.gatewayUrl}${path}`, { redirect: 'manual' });
      expect(oidc.status).toBe(404);
      expect(await oidc.json()).toMatchObject({ code: 'NOT_FOUND', details: { reason: 'provider_not_configured', provider: 'oidc' } });
    }
  });

  it('refuses requests without credentials with 401 and WWW-Authenticate', async () => {
    const response = await call('GET', '/api/v1/users');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="cube"');
  });

  it('refuses alg none, HS256 and tokens signed by another key', async () => {
    const claims = { sub: 'admin', name: 'admin', groups: [], jti: 'x', iss: 'cube', aud: 'cube' };
    const header = decodeProtectedHeader(adminToken);
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify({ ...claims, iat: 1, exp: 4102444800 }))}.`;
    const jwks = (await call('GET', '/.well-known/jwks.json')).body as { keys: { x: string }[] };
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: header.kid })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(jwks.keys[0]?.x ?? 'secret'));
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: header.kid })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    for (const token of [none, hs256, forged, `${adminToken.slice(0, -4)}AAAA`]) {
      const response = await call('GET', '/api/v1/users', { token });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="cube", error="invalid_token"');
    }
  });

  it('rotates refresh tokens and revokes the whole family when a spent one is reused', async () => {
    const first = await login('admin', ADMIN_PASSWORD);
    const second = await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: first.body['refreshToken'] } });
    expect(second.status).toBe(200);
    expect(second.body['refreshToken']).not.toBe(first.body['refreshToken']);
    const reuse = await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: first.body['refreshToken'] } });
    expect(reuse.status).toBe(401);
    const afterReuse = await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: second.body['refreshToken'] } });
    expect(afterReuse.status).toBe(401);
  });

  it('revokes a refresh token on logout', async () => {
    const session = await login('admin', ADMIN_PASSWORD);
    expect((await call('POST', '/api/v1/auth/logout', { body: { refreshToken: session.body['refreshToken'] } })).status).toBe(204);
    expect((await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: session.body['refreshToken'] } })).status).toBe(401);
  });

  it('lets a platform admin manage users and a user see and edit only themselves', async () => {
    const weak = await call('POST', '/api/v1/users', { token: adminToken, body: { name: 'alice', password: 'alice-1234567' } });
    expect(weak.status).toBe(422);
    expect(weak.body['code']).toBe('UNPROCESSABLE');
    const badName = await call('POST', '/api/v1/users', {
      token: adminToken,
      body: { name: 'Alice_X', password: 'correct horse battery' },
    });
    expect(badName.status).toBe(400);
    expect((badName.body['details'] as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual(['name']);
    const unknownField = await call('POST', '/api/v1/users', { token: adminToken, body: { name: 'alice', isAdmin: true } });
    expect(unknownField.status).toBe(400);

    const created = await call('POST', '/api/v1/users', {
      token: adminToken,
      body: { name: 'alice', email: 'alice@example.com', password: 'correct horse battery' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'alice', email: 'alice@example.com', state: 'active', source: 'local', version: 1 });
    expect(JSON.stringify(created.body)).not.toMatch(/password|hash/i);
    expect((await call('POST', '/api/v1/users', { token: adminToken, body: { name: 'alice' } })).status).toBe(409);
    expect(
      (await call('POST', '/api/v1/users', { token: adminToken, body: { name: 'bob', password: 'another long secret' } })).status,
    ).toBe(201);

    const alice = String((await login('alice', 'correct horse battery')).body['accessToken']);
    const seen = await call('GET', '/api/v1/users', { token: alice });
    expect((seen.body['items'] as { name: string }[]).map((u) => u.name)).toEqual(['alice']);
    expect((await call('GET', '/api/v1/users/bob', { token: alice })).status).toBe(404);
    expect((await call('POST', '/api/v1/users', { token: alice, body: { name: 'mallory' } })).status).toBe(403);
    const renamed = await call('PATCH', '/api/v1/users/alice', { token: alice, body: { displayName: 'Alice A.' } });
    expect(renamed.body).toMatchObject({ displayName: 'Alice A.', version: 2 });
    expect((await call('PATCH', '/api/v1/users/alice', { token: alice, body: { state: 'disabled' } })).status).toBe(403);

    const all = await call('GET', '/api/v1/users?limit=2', { token: adminToken });
    expect((all.body['items'] as { name: string }[]).map((u) => u.name)).toEqual(['admin', 'alice']);
    const rest = await call('GET', `/api/v1/users?limit=2&cursor=${String(all.body['nextCursor'])}`, { token: adminToken });
    expect((rest.body['items'] as { name: string }[]).map((u) => u.name)).toEqual(['bob']);
    expect(rest.body['nextCursor']).toBeNull();
  });

  it('changes a password only with the current one, and refuses the old one afterwards', async () => {
    expect(
      (await call('POST', '/api/v1/users', { token: adminToken, body: { name: 'carol', password: 'first long secret' } })).status,
    ).toBe(201);
    const carol = String((await login('carol', 'first long secret')).body['accessToken']);
    expect((await call('PUT', '/api/v1/users/carol/password', { token: carol, body: { newPassword: 'second long secret' } })).status).toBe(
      403,
    );
    expect(
      (
        await call('PUT', '/api/v1/users/carol/password', {
          token: carol,
          body: { currentPassword: 'first long secret', newPassword: 'second long secret' },
        })
      ).status,
    ).toBe(204);
    expect((await login('carol', 'first long secret', '10.2.0.1')).status).toBe(401);
    expect((await login('carol', 'second long secret')).status).toBe(200);
  });

  it('limits failed logins per user with 429 and Retry-After, even for the right password', async () => {
    expect(
      (await call('POST', '/api/v1/users', { token: adminToken, body: { name: 'dave', password: 'quiet long phrase 42' } })).status,
    ).toBe(201);
    for (let i = 0; i < 3; i++) expect((await login('dave', `wrong guess ${i}`, `10.3.0.${i}`)).status).toBe(401);
    const locked = await login('dave', 'quiet long phrase 42', '10.3.0.9');
    expect(locked.status).toBe(429);
    expect(locked.body['code']).toBe('RATE_LIMITED');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('issues API tokens shown once, listed without secret, refused within 10 s of revocation', async () => {
    const created = await call('POST', '/api/v1/tokens', { token: adminToken, body: { name: 'ci' } });
    expect(created.status).toBe(201);
    const secret = String(created.body['token']);
    expect(secret.startsWith('cube_')).toBe(true);
    const listed = await call('GET', '/api/v1/tokens', { token: adminToken });
    expect(listed.body['items']).toEqual([expect.objectContaining({ id: created.body['id'], name: 'ci', expiresAt: null })]);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect((await call('POST', '/api/v1/tokens', { token: adminToken, body: { name: 'ci' } })).status).toBe(409);

    expect((await call('GET', '/api/v1/users', { token: secret })).status).toBe(200);
    expect((await call('DELETE', `/api/v1/tokens/${String(created.body['id'])}`, { token: adminToken })).status).toBe(204);
    await refusedWithin(secret, 10_000);
    expect((await call('DELETE', '/api/v1/tokens/not-a-uuid', { token: adminToken })).status).toBe(400);
  });

  it("pages a user's API tokens with limit and cursor, oldest first, without revoked ones or anyone else's", async () => {
    expect(
      (await call('POST', '/api/v1/users', { token: adminToken, body: { name: 'paula', password: 'paging long secret' } })).status,
    ).toBe(201);
    const paula = String((await login('paula', 'paging long secret')).body['accessToken']);
    const ids: string[] = [];
    for (let i = 0; i < 53; i++) {
      const created = await call('POST', '/api/v1/tokens', { token: paula, body: { name: `t-${i}` } });
      expect(created.status).toBe(201);
      ids.push(String(created.body['id']));
    }
    expect((await call('DELETE', `/api/v1/tokens/${ids[10]}`, { token: paula })).status).toBe(204);
    const live = ids.filter((_, i) => i !== 10);
    const idsOf = (page: { body: Json }) => (page.body['items'] as { id: string }[]).map((token) => token.id);

    // The default page is 50: one full page and the two left over.
    const first = await call('GET', '/api/v1/tokens', { token: paula });
    expect(first.status).toBe(200);
    expect(idsOf(first)).toHaveLength(50);
    expect(typeof first.body['nextCursor']).toBe('string');
    const second = await call('GET', `/api/v1/tokens?cursor=${encodeURIComponent(String(first.body['nextCursor']))}`, { token: paula });
    expect(second.body['nextCursor']).toBeNull();
    expect([...idsOf(first), ...idsOf(second)]).toEqual(live);
    expect(JSON.stringify([first.body, second.body])).not.toContain('cube_');

    const walked: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await call('GET', `/api/v1/tokens?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: paula });
      expect(page.status).toBe(200);
      walked.push(...idsOf(page));
      sizes.push(idsOf(page).length);
      cursor = page.body['nextCursor'] as string | null;
    } while (cursor);
    expect(sizes).toEqual([20, 20, 12]);
    expect(walked).toEqual(live);

    const admins = await call('GET', '/api/v1/tokens?limit=500', { token: adminToken });
    expect(idsOf(admins).filter((id) => ids.includes(id))).toEqual([]);
    for (const query of ['limit=501', 'limit=0', 'limit=ten']) {
      const refused = await call('GET', `/api/v1/tokens?${query}`, { token: paula });
      expect(refused.status).toBe(400);
      expect(refused.body['code']).toBe('BAD_REQUEST');
    }
    const badCursor = await call('GET', '/api/v1/tokens?cursor=not-a-cursor', { token: paula });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body['details']).toEqual({ fields: [{ field: 'cursor', problems: ['invalid cursor'] }] });
  });

  it("refuses a disabled user's access token within 10 s", async () => {
    expect(
      (await call('POST', '/api/v1/users', { token: adminToken, body: { name: 'erin', password: 'a long secret phrase' } })).status,
    ).toBe(201);
    const erin = String((await login('erin', 'a long secret phrase')).body['accessToken']);
    expect((await call('GET', '/api/v1/users', { token: erin })).status).toBe(200);
    expect((await call('PATCH', '/api/v1/users/erin', { token: adminToken, body: { state: 'disabled' } })).body['state']).toBe('disabled');
    await refusedWithin(erin, 10_000);
    expect((await login('erin', 'a long secret phrase')).status).toBe(401);
  });

  it('announces user changes on the bus with the entity version, and audits every write, refused ones too', async () => {
    expect(
      (await call('POST', '/api/v1/users', { token: adminToken, body: { name: 'frank', password: 'plain long phrase' } })).status,
    ).toBe(201);
    const created = await published(
      (m) => m.subject === 'cube.events.identity.user.created' && (m.data['entity'] as { name: string }).name === 'frank',
    );
    expect(created.data).toMatchObject({
      type: 'identity.user.created',
      version: 1,
      actor: { kind: 'user', name: 'admin' },
      entity: { kind: 'User', name: 'frank' },
    });
    expect(JSON.stringify(created.data)).not.toMatch(/password|hash/i);
    await call('PATCH', '/api/v1/users/frank', { token: adminToken, body: { displayName: 'Frank' } });
    const updated = await published(
      (m) => m.subject === 'cube.events.identity.user.updated' && (m.data['entity'] as { name: string }).name === 'frank',
    );
    expect(updated.data['version']).toBe(2);

    const audited = await published((m) => m.data['action'] === 'user.create' && (m.data['target'] as { name: string }).name === 'frank');
    expect(audited.data).toMatchObject({ source: 'platform', service: 'identity', outcome: 'success', actor: { name: 'admin' } });
    const frank = String((await login('frank', 'plain long phrase')).body['accessToken']);
    expect((await call('DELETE', '/api/v1/users/admin', { token: frank })).status).toBe(404);
    const refused = await published((m) => m.data['action'] === 'user.delete' && m.data['outcome'] === 'failure');
    expect(refused.data).toMatchObject({ actor: { name: 'frank' }, target: { kind: 'User', name: 'admin' } });
  });

  it('returns the caller, their bindings and packed CASL rules on /me, and the built-in roles', async () => {
    const me = await call('GET', '/api/v1/me', { token: adminToken });
    expect(me.status).toBe(200);
    const [adminBinding] = me.body['bindings'] as { id: string }[];
    const lastAdmin = await call('DELETE', `/api/v1/rolebindings/${adminBinding?.id}`, { token: adminToken });
    expect(lastAdmin.status).toBe(409);
    expect(lastAdmin.body['message']).toContain('last platform-admin binding');
    expect(me.body['user']).toMatchObject({ name: 'admin', source: 'local' });
    expect(me.body['bindings']).toEqual([expect.objectContaining({ role: 'platform-admin', scope: { kind: 'platform' } })]);
    expect((me.body['rules'] as unknown[]).length).toBeGreaterThan(0);
    const roles = await call('GET', '/api/v1/roles', { token: adminToken });
    expect((roles.body['items'] as { name: string }[]).map((r) => r.name).sort()).toEqual([
      'member',
      'platform-admin',
      'project-admin',
      'tenant-admin',
      'viewer',
    ]);
  });

  it('lets nobody grant above their own role or outside their scope', async () => {
    for (const name of ['grace', 'heidi', 'ivan']) {
      expect((await call('POST', '/api/v1/users', { token: adminToken, body: { name, password: 'plain long phrase' } })).status).toBe(201);
    }
    const bind = (token: string, subject: string, role: string, scope: Record<string, string>) =>
      call('POST', '/api/v1/rolebindings', { token, body: { subject: { kind: 'User', name: subject }, role, scope } });

    expect((await bind(adminToken, 'grace', 'tenant-admin', { kind: 'tenant', tenant: 'acme' })).status).toBe(201);
    expect((await bind(adminToken, 'grace', 'tenant-admin', { kind: 'tenant', tenant: 'acme' })).status).toBe(409);
    expect((await bind(adminToken, 'grace', 'platform-admin', { kind: 'tenant', tenant: 'acme' })).status).toBe(422);
    const grace = String((await login('grace', 'plain long phrase')).body['accessToken']);

    expect((await bind(grace, 'heidi', 'project-admin', { kind: 'project', tenant: 'acme', project: 'web' })).status).toBe(201);
    expect((await bind(grace, 'heidi', 'member', { kind: 'tenant', tenant: 'acme' })).status).toBe(201);
    expect((await bind(grace, 'heidi', 'member', { kind: 'tenant', tenant: 'globex' })).status).toBe(403);
    expect((await bind(grace, 'heidi', 'platform-admin', { kind: 'platform' })).status).toBe(403);
    expect((await bind(grace, 'grace', 'viewer', { kind: 'platform' })).status).toBe(403);

    const heidi = String((await login('heidi', 'plain long phrase')).body['accessToken']);
    expect((await bind(heidi, 'ivan', 'member', { kind: 'project', tenant: 'acme', project: 'web' })).status).toBe(201);
    expect((await bind(heidi, 'ivan', 'tenant-admin', { kind: 'tenant', tenant: 'acme' })).status).toBe(403);
    expect((await bind(heidi, 'ivan', 'member', { kind: 'project', tenant: 'acme', project: 'api' })).status).toBe(403);
    const ivan = String((await login('ivan', 'plain long phrase')).body['accessToken']);
    expect((await bind(ivan, 'ivan', 'project-admin', { kind: 'project', tenant: 'acme', project: 'web' })).status).toBe(403);

    const visibleToHeidi = await call('GET', '/api/v1/rolebindings?scope=project:acme/web', { token: heidi });
    expect((visibleToHeidi.body['items'] as { subject: { name: string } }[]).map((b) => b.subject.name).sort()).toEqual(['heidi', 'ivan']);
    const graceBinding = (await call('GET', '/api/v1/rolebindings?user=grace', { token: adminToken })).body['items'] as { id: string }[];
    // Heidi is a member of tenant acme, so she sees its bindings, but may not revoke a tenant admin's.
    expect((await call('DELETE', `/api/v1/rolebindings/${graceBinding[0]?.id}`, { token: heidi })).status).toBe(403);
    expect((await call('DELETE', `/api/v1/rolebindings/${graceBinding[0]?.id}`, { token: ivan })).status).toBe(404);
    expect((await call('DELETE', `/api/v1/rolebindings/${graceBinding[0]?.id}`, { token: adminToken })).status).toBe(204);
    await published(
      (m) => m.subject === 'cube.events.identity.binding.deleted' && (m.data['entity'] as { name: string }).name === graceBinding[0]?.id,
    );
  });

  it('puts refreshes, a refused reuse among them, and the bootstrap on the audit trail', async () => {
    const session = await login('admin', ADMIN_PASSWORD);
    const refreshed = await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: session.body['refreshToken'] } });
    expect(refreshed.status).toBe(200);
    expect((await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: session.body['refreshToken'] } })).status).toBe(401);
    await published((m) => m.data['action'] === 'auth.refresh' && m.data['outcome'] === 'success');
    await published((m) => m.data['action'] === 'auth.refresh' && m.data['outcome'] === 'failure');
    expect(JSON.stringify(seen.filter((m) => m.data['action'] === 'auth.refresh'))).not.toContain(String(session.body['refreshToken']));

    // The bootstrap ran before this suite listened: the audit service has stored its records.
    const admin = String(refreshed.body['accessToken']);
    await eventually('the bootstrap record of the admin in the audit trail', 10_000, async () => {
      const trail = await call('GET', '/api/v1/audit/events?verb=user.create&limit=500', { token: admin });
      expect(trail.status).toBe(200);
      const items = trail.body['items'] as { actor: { user: string }; target: { name: string | null } }[];
      return items.some((entry) => entry.target.name === 'admin' && entry.actor.user.includes('bootstrap')) ? true : undefined;
    });
  });
});
