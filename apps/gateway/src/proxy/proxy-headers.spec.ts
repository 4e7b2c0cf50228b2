import { downstreamRawHeaders, downstreamResponseHeaders, upstreamRawHeaders, upstreamRequestHeaders } from './proxy-headers';

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

describe('upstreamRawHeaders', () => {
  it("keeps the caller's lines (repeated ones separate), drops credentials, impersonation, cookies and hop-by-hop headers, adds Cube's", () => {
    const raw = [
      'Accept',
      'application/json',
      'Authorization',
      'Bearer cube-user-token',
      'Cookie',
      'session=1',
      'Impersonate-User',
      'kubernetes-admin',
      'impersonate-group',
      'system:masters',
      'Impersonate-Extra-Scopes',
      'x',
      'X-Remote-User',
      'root',
      'X-Forwarded-For',
      '10.0.0.1',
      'Host',
      'gateway.example',
      'Connection',
      'keep-alive, X-Trace',
      'X-Trace',
      'hop',
      'Transfer-Encoding',
      'chunked',
      'Accept-Encoding',
      'gzip',
      'Accept-Encoding',
      'br',
    ];
    expect(upstreamRawHeaders(raw, { principal: alice, authorization: 'Bearer cube-sa-token' })).toEqual([
      'accept',
      'application/json',
      'accept-encoding',
      'gzip',
      'accept-encoding',
      'br',
      'authorization',
      'Bearer cube-sa-token',
      'impersonate-user',
      'alice',
      'impersonate-group',
      'dev',
      'impersonate-group',
      'cube:tenant:acme',
      'impersonate-group',
      'system:authenticated',
    ]);
  });

  it('sends no Authorization when Cube authenticates with a client certificate', () => {
    expect(upstreamRawHeaders([], { principal: { name: 'bob', groups: ['system:authenticated'] } })).toEqual([
      'impersonate-user',
      'bob',
      'impersonate-group',
      'system:authenticated',
    ]);
  });
});

describe('downstreamRawHeaders', () => {
  const raw = (...lines: string[]) => lines.map((line) => Buffer.from(line, 'latin1'));

  it("passes the member's headers without its hop-by-hop ones, and answers the request id", () => {
    const headers = downstreamRawHeaders(
      raw(
        'Content-Type',
        'application/json',
        'Audit-Id',
        'a-1',
        'Connection',
        'keep-alive, X-Hop',
        'Keep-Alive',
        'timeout=5',
        'X-Hop',
        '1',
        'Transfer-Encoding',
        'chunked',
        'Warning',
        'a',
        'Warning',
        'b',
        'X-Request-Id',
        'member-id',
      ),
      'req-1',
    );
    expect(headers).toEqual([
      'content-type',
      'application/json',
      'audit-id',
      'a-1',
      'warning',
      'a',
      'warning',
      'b',
      'x-request-id',
      'req-1',
    ]);
  });

  it("keeps the member's X-Request-Id when the proxy answers none itself", () => {
    expect(downstreamRawHeaders(raw('X-Request-Id', 'member-id'), undefined)).toEqual(['x-request-id', 'member-id']);
  });
});
