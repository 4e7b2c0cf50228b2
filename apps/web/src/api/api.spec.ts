import { describe, expect, it } from 'vitest';
import { createApi } from './api';

class MemoryStorage {
  readonly values = new Map<string, string>();
  getItem = (key: string) => this.values.get(key) ?? null;
  setItem = (key: string, value: string) => void this.values.set(key, value);
  removeItem = (key: string) => void this.values.delete(key);
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('the API client', () => {
  it('renews a refused access token once and repeats the request with its body', async () => {
    const seen: { url: string; auth: string | null; body: string }[] = [];
    const fetchFn = async (input: RequestInfo | URL) => {
      const request = input as Request;
      const body = await request.clone().text();
      seen.push({ url: new URL(request.url).pathname, auth: request.headers.get('Authorization'), body });
      if (request.url.endsWith('/api/v1/auth/refresh'))
        return json(200, { accessToken: 'fresh', refreshToken: 'r2', expiresIn: 900, tokenType: 'Bearer' });
      if (request.headers.get('Authorization') === 'Bearer stale')
        return json(401, { code: 'UNAUTHENTICATED', message: 'expired', details: {} });
      return json(201, { name: 'acme' });
    };
    const api = createApi('http://gateway.test', new MemoryStorage(), fetchFn as typeof fetch);
    api.session.accept({ accessToken: 'stale', refreshToken: 'r1', expiresIn: 900, tokenType: 'Bearer' });
    const { data, response } = await api.client.POST('/api/v1/tenants', { body: { name: 'acme' } });
    expect(response.status).toBe(201);
    expect(data).toEqual({ name: 'acme' });
    expect(seen.map((s) => [s.url, s.auth])).toEqual([
      ['/api/v1/tenants', 'Bearer stale'],
      ['/api/v1/auth/refresh', null],
      ['/api/v1/tenants', 'Bearer fresh'],
    ]);
    expect(seen[2]?.body).toBe('{"name":"acme"}');
  });

  it('drops the session when the renewed token is refused too', async () => {
    const fetchFn = async (input: RequestInfo | URL) => {
      const request = input as Request;
      if (request.url.endsWith('/api/v1/auth/refresh')) return json(401, { code: 'UNAUTHENTICATED', message: 'revoked', details: {} });
      return json(401, { code: 'UNAUTHENTICATED', message: 'no', details: {} });
    };
    const api = createApi('http://gateway.test', new MemoryStorage(), fetchFn as typeof fetch);
    api.session.accept({ accessToken: 'a', refreshToken: 'r', expiresIn: 900, tokenType: 'Bearer' });
    const { response } = await api.client.GET('/api/v1/me');
    expect(response.status).toBe(401);
    expect(api.session.signedIn).toBe(false);
    expect(api.session.resumable).toBe(false);
  });
});
