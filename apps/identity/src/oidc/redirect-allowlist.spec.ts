import { RedirectAllowList } from './redirect-allowlist';

describe('RedirectAllowList', () => {
  const list = RedirectAllowList.parse('https://cube.example.com/app, http://127.0.0.1:3000/');

  it('defaults to the first entry', () => {
    expect(list.resolve(undefined)).toBe('https://cube.example.com/app');
    expect(list.resolve('')).toBe('https://cube.example.com/app');
  });

  it.each([
    ['https://cube.example.com/app', 'https://cube.example.com/app'],
    ['https://cube.example.com/app/', 'https://cube.example.com/app/'],
    ['https://cube.example.com/app/tenants?x=1', 'https://cube.example.com/app/tenants?x=1'],
    ['https://cube.example.com/app/page#old-fragment', 'https://cube.example.com/app/page'],
    ['http://127.0.0.1:3000/anything', 'http://127.0.0.1:3000/anything'],
  ])('allows %s', (target, resolved) => {
    expect(list.resolve(target)).toBe(resolved);
  });

  it.each([
    ['another host', 'https://evil.example.com/app'],
    ['a look-alike host', 'https://cube.example.com.evil.com/app'],
    ['userinfo tricks', 'https://cube.example.com@evil.com/app'],
    ['credentials in the URL', 'https://user:pw@cube.example.com/app'],
    ['another scheme', 'javascript:alert(1)'],
    ['http for an https entry', 'http://cube.example.com/app'],
    ['another port', 'https://cube.example.com:8443/app'],
    ['a sibling path', 'https://cube.example.com/application'],
    ['a path escaping with ..', 'https://cube.example.com/app/../admin'],
    ['a relative URL', '/app'],
    ['a scheme-relative URL', '//evil.example.com/app'],
    ['backslashes', 'https:\\\\evil.example.com\\app'],
  ])('refuses %s', (_what, target) => {
    expect(list.resolve(target)).toBeNull();
  });
});
