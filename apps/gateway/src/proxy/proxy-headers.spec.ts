import { downstreamResponseHeaders, upstreamRequestHeaders } from './proxy-headers';

const alice = { name: 'alice', groups: ['dev', 'cube:tenant:acme'] };

describe('upstreamRequestHeaders', () => {
  it('sends the caller as Impersonate-User and one Impersonate-Group per group plus system:authenticated', () => {
    const headers = upstreamRequestHeaders({ accept: 'application/json' }, { principal: alice, authorization: 'Bearer cube-sa-token' });
    expect(headers).toEqual({
      accept: 'application/json',
      authorization: 'Bearer cube-sa-token',
      'impersonate-user': 'alice',
      'impersonate-group': ['dev', 'cube:tenant:acme', 'system:authenticated'],
    });
  });

  it("never forwards the caller's credentials, cookies or impersonation headers", () => {
    const headers = upstreamRequestHeaders(
      {
        authorization: 'Bearer cube-user-token',
        cookie: 'session=1',
        'impersonate-user': 'admin',
        'impersonate-group': ['system:masters'],
        'impersonate-uid': '0',
        'impersonate-extra-scopes': 'all',
        'x-remote-user': 'admin',
        'content-type': 'application/json',
      },
      { principal: alice },
    );
    expect(headers['authorization']).toBeUndefined();
    expect(headers['cookie']).toBeUndefined();
    expect(headers['impersonate-user']).toBe('alice');
    expect(headers['impersonate-group']).toEqual(['dev', 'cube:tenant:acme', 'system:authenticated']);
    expect(headers['impersonate-uid']).toBeUndefined();
    expect(headers['impersonate-extra-scopes']).toBeUndefined();
    expect(headers['x-remote-user']).toBeUndefined();
    expect(headers['content-type']).toBe('application/json');
  });

  it('names the Cube request, tenant and project as user extras, and no extra a caller sent', () => {
    const headers = upstreamRequestHeaders(
      {
        'Impersonate-Extra-Cube-Request-Id': 'forged',
        'impersonate-extra-cube-tenant': 'other',
        'impersonate-extra-cube%2Dproject': 'other',
        'x-request-id': 'whatever-the-caller-says',
      },
      { principal: alice, requestId: 'req-1', tenant: 'acme', project: 'web' },
    );
    const extras = Object.entries(headers).filter(([name]) => name.startsWith('impersonate-extra-'));
    expect(Object.fromEntries(extras)).toEqual({
      'impersonate-extra-cube-request-id': 'req-1',
      'impersonate-extra-cube-tenant': 'acme',
      'impersonate-extra-cube-project': 'web',
    });
    expect(headers['Impersonate-Extra-Cube-Request-Id']).toBeUndefined();
  });

  it('sends only the extras it knows, and no value unsafe in a header or an audit log', () => {
    const headers = upstreamRequestHeaders({}, { principal: alice, requestId: 'bad value\r\nx: y' });
    expect(Object.keys(headers).filter((name) => name.startsWith('impersonate-extra-'))).toEqual([]);
    const upgrade = upstreamRequestHeaders({ connection: 'Upgrade', upgrade: 'websocket' }, { principal: alice, requestId: 'req-2' }, true);
    expect(upgrade['impersonate-extra-cube-request-id']).toBe('req-2');
  });

  it('drops hop-by-hop headers, those the Connection header names too, and the Host', () => {
    const headers = upstreamRequestHeaders(
      {
        connection: 'keep-alive, x-hop',
        'keep-alive': 'timeout=5',
        'x-hop': '1',
        te: 'trailers',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        host: 'gateway:8080',
        'x-kept': 'yes',
      },
      { principal: alice, authorization: 'Bearer t' },
    );
    expect(Object.keys(headers).sort()).toEqual(['authorization', 'impersonate-group', 'impersonate-user', 'x-kept']);
  });

  it('keeps the WebSocket handshake of an upgrade', () => {
    const headers = upstreamRequestHeaders(
      {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-protocol': 'v5.channel.k8s.io',
        'sec-websocket-key': 'k',
        'sec-websocket-version': '13',
      },
      { principal: alice },
      true,
    );
    expect(headers).toMatchObject({
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-protocol': 'v5.channel.k8s.io',
      'sec-websocket-key': 'k',
    });
  });

  it('does not list system:authenticated twice', () => {
    const headers = upstreamRequestHeaders({}, { principal: { name: 'bob', groups: ['system:authenticated'] } });
    expect(headers['impersonate-group']).toEqual(['system:authenticated']);
  });
});

describe('downstreamResponseHeaders', () => {
  it("passes the member's headers except its connection's hop-by-hop ones", () => {
    expect(
      downstreamResponseHeaders({
        'content-type': 'application/json',
        'audit-id': 'a1',
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
      }),
    ).toEqual({ 'content-type': 'application/json', 'audit-id': 'a1' });
  });
});
