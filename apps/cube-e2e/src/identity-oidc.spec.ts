import { freePort, RunningStack } from '@cube/dev-stack';
import { BrowserSession } from './oidc/browser-session';
import { TestOidcProvider } from './oidc/test-provider';
import { LineLog, startTestStack, TestStack, waitForStatus } from './support';

const SPA = 'http://spa.cube.test/app';
const CALLBACK_PATH = '/api/v1/auth/oidc/callback';

interface Binding {
  role: string;
  scope: Record<string, string>;
  origin: string;
}

// OIDC login through the gateway against a real OpenID provider (oidc-provider), browserless.
describe('OIDC login through the gateway', () => {
  const log = new LineLog();
  let provider: TestOidcProvider;
  let running: TestStack;
  let stack: RunningStack;

  const atSpa = (url: URL) => url.href.startsWith(SPA) || url.hostname === 'evil.example.com';
  const atCallback = (url: URL) => url.pathname === CALLBACK_PATH;
  const get = (url: string) => fetch(url.startsWith('http') ? url : `${stack.gatewayUrl}${url}`, { redirect: 'manual' });
  const errorOf = async (response: Response) => (await response.json()) as { code: string; details: Record<string, unknown> };

  /** Begins a login at the gateway and follows it through the provider up to the callback (not calling it). */
  const callbackUrlFor = async (user: string): Promise<string> => {
    const stop = await new BrowserSession(atCallback).navigate(
      `${stack.gatewayUrl}/api/v1/auth/oidc/login?redirect=${encodeURIComponent(`${SPA}/x`)}`,
      user,
    );
    expect(new URL(stop.url).pathname).toBe(CALLBACK_PATH);
    return stop.url;
  };

  beforeAll(async () => {
    const gatewayPort = await freePort();
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    provider = await TestOidcProvider.start({
      clientId: 'cube',
      clientSecret: 'cube-client-secret-e2e',
      redirectUri: `${gatewayUrl}${CALLBACK_PATH}`,
      users: {
        olivia: { name: 'Olivia Example', email: 'olivia@example.org', groups: ['cube-admins', 'staff'] },
        otto: { name: 'Otto', email: 'otto@example.org', groups: [] },
      },
    });
    running = await startTestStack(
      'identity_oidc',
      {
        PORT: String(gatewayPort),
        CUBE_ADMIN_PASSWORD: 'e2e-root-secret-2026',
        CUBE_OIDC_ISSUER_URL: provider.issuer,
        CUBE_OIDC_CLIENT_ID: 'cube',
        CUBE_OIDC_CLIENT_SECRET: 'cube-client-secret-e2e',
        CUBE_OIDC_REDIRECT_URL: `${gatewayUrl}${CALLBACK_PATH}`,
        CUBE_OIDC_SCOPES: 'openid profile email groups',
        CUBE_OIDC_ALLOWED_REDIRECTS: `${SPA}, http://127.0.0.1:1/other`,
        CUBE_OIDC_ROLE_MAPPING: JSON.stringify([
          { group: 'cube-admins', role: 'platform-admin', scope: { kind: 'platform' } },
          { group: 'staff', role: 'viewer', scope: { kind: 'tenant', tenant: 'acme' } },
        ]),
      },
      log.push,
    );
    stack = running.stack;
    expect(stack.gatewayUrl).toBe(gatewayUrl);
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
  });

  afterAll(async () => {
    await running?.stop();
    await provider?.stop();
  });

  it('sends the browser to the provider with PKCE (S256), state and nonce', async () => {
    const response = await get(`/api/v1/auth/oidc/login?redirect=${encodeURIComponent(SPA)}`);
    expect(response.status).toBe(302);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const location = new URL(String(response.headers.get('location')));
    expect(location.origin).toBe(provider.issuer);
    expect(location.searchParams.get('response_type')).toBe('code');
    expect(location.searchParams.get('client_id')).toBe('cube');
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get('state')).toBeTruthy();
    expect(location.searchParams.get('nonce')).toBeTruthy();
  });

  it('logs a user in through the provider and lands on the SPA with working tokens in the fragment', async () => {
    const landed = await new BrowserSession(atSpa).navigate(
      `${stack.gatewayUrl}/api/v1/auth/oidc/login?redirect=${encodeURIComponent(`${SPA}/tenants?x=1`)}`,
      'olivia',
    );
    const url = new URL(landed.url);
    expect(`${url.origin}${url.pathname}${url.search}`).toBe(`${SPA}/tenants?x=1`);
    const fragment = new URLSearchParams(url.hash.slice(1));
    expect(fragment.get('tokenType')).toBe('Bearer');
    expect(fragment.get('expiresIn')).toBe('900');
    const accessToken = String(fragment.get('accessToken'));

    const me = await fetch(`${stack.gatewayUrl}/api/v1/me`, { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(me.status).toBe(200);
    const body = (await me.json()) as { user: Record<string, unknown>; bindings: Binding[] };
    expect(body.user).toMatchObject({ name: 'olivia', source: 'oidc', displayName: 'Olivia Example', email: 'olivia@example.org' });
    expect(body.bindings.map((b) => ({ role: b.role, scope: b.scope, origin: b.origin }))).toEqual(
      expect.arrayContaining([
        { role: 'platform-admin', scope: { kind: 'platform' }, origin: 'oidc' },
        { role: 'viewer', scope: { kind: 'tenant', tenant: 'acme' }, origin: 'oidc' },
      ]),
    );
    const refreshed = await fetch(`${stack.gatewayUrl}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken: fragment.get('refreshToken') }),
    });
    expect(refreshed.status).toBe(200);
  });

  it('returns to the first allowed address when the login names none', async () => {
    const landed = await new BrowserSession(atSpa).navigate(`${stack.gatewayUrl}/api/v1/auth/oidc/login`, 'otto');
    expect(landed.url.split('#')[0]).toBe(SPA);
    expect(new URLSearchParams(landed.url.split('#')[1]).get('accessToken')).toBeTruthy();
  });

  it('refuses a tampered state, and a callback used twice', async () => {
    const callback = new URL(await callbackUrlFor('otto'));
    const tampered = new URL(callback.href);
    tampered.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    const refused = await get(tampered.href);
    expect(refused.status).toBe(400);
    expect((await errorOf(refused)).details).toEqual({ reason: 'state_unknown' });

    const first = await get(callback.href);
    expect(first.status).toBe(302);
    expect(String(first.headers.get('location'))).toMatch(new RegExp(`^${SPA}/x#accessToken=`));
    const replayed = await get(callback.href);
    expect(replayed.status).toBe(400);
    expect((await errorOf(replayed)).details).toEqual({ reason: 'state_unknown' });
  });

  it('refuses a callback without state', async () => {
    const response = await get(`${CALLBACK_PATH}?code=abc`);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).details).toEqual({ reason: 'state_missing' });
  });

  it('answers 401 with the reason when the provider refused the login', async () => {
    const begun = await get(`/api/v1/auth/oidc/login?redirect=${encodeURIComponent(SPA)}`);
    const state = new URL(String(begun.headers.get('location'))).searchParams.get('state');
    const response = await get(`${CALLBACK_PATH}?error=access_denied&error_description=nope&state=${state}`);
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toMatchObject({
      code: 'UNAUTHENTICATED',
      details: { reason: 'provider_error', error: 'access_denied' },
    });
  });

  it.each([
    ['another host', 'https://evil.example.com/app'],
    ['a look-alike path', `${SPA}lication`],
    ['a path escaping upwards', `${SPA}/../admin`],
    ['a scheme-relative address', '//evil.example.com/app'],
  ])('refuses a redirect target outside the allow-list: %s', async (_what, target) => {
    const response = await get(`/api/v1/auth/oidc/login?redirect=${encodeURIComponent(target)}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect((await errorOf(response)).details).toEqual({ reason: 'redirect_not_allowed' });
  });

  it('never writes tokens, authorization codes or the client secret to the log', () => {
    const lines = log.all();
    expect(lines.join('\n')).not.toContain('cube-client-secret-e2e');
    expect(lines.some((line) => line.includes('accessToken='))).toBe(false);
    expect(lines.some((line) => line.includes(CALLBACK_PATH) && line.includes('code='))).toBe(false);
  });
});
