import { createServer as createHttpServer, IncomingMessage, request as httpRequest, Server } from 'node:http';
import { Agent, createServer as createHttpsServer } from 'node:https';
import { AddressInfo, connect } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { CubeError } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { makeWebhookCertificates } from '@cube/kube';
import { GatewayEnvironment } from '../config/gateway-environment';
import { CredentialVerifier } from '../authn/credential-verifier';
import { ClusterConnections } from './cluster-connections';
import { KubeApiProxy, splitProxyUrl } from './kube-api-proxy';
import { ProxyBus } from './proxy-bus';
import { TenantLists } from './tenant-lists';

const LIMIT = 1024;

interface Seen {
  req: IncomingMessage;
  body: Promise<{ complete: boolean; bytes: number }>;
  /** Resolves when the member's response closes: true if it finished, false if the connection went first. */
  answered: Promise<boolean>;
}

/** Resolves when the server's listener is bound, with its port. */
const listen = (server: Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

// The proxy between a client and a member kube-apiserver stand-in (HTTPS with its own CA), over real
// sockets: what reaches the member, what streams back, and what happens when either side goes away.
describe('KubeApiProxy', () => {
  let upstream: Server;
  let upstreamPort: number;
  let gateway: Server;
  let gatewayPort: number;
  let agent: Agent;
  let memberServer: URL;
  let answer: (req: IncomingMessage, res: import('node:http').ServerResponse) => void;
  let seen: Seen[];
  let sockets: WebSocketServer;
  const audit = jest.fn(async (_record: unknown) => undefined);

  beforeAll(async () => {
    const certs = await makeWebhookCertificates(['member.test']);
    upstream = createHttpsServer({ cert: certs.cert, key: certs.key }, (req, res) => {
      const body = new Promise<{ complete: boolean; bytes: number }>((resolve) => {
        let bytes = 0;
        req.on('data', (chunk: Buffer) => (bytes += chunk.length));
        req.once('close', () => resolve({ complete: req.complete, bytes }));
      });
      const answered = new Promise<boolean>((resolve) => res.once('close', () => resolve(res.writableFinished)));
      seen.push({ req, body, answered });
      answer(req, res);
    });
    sockets = new WebSocketServer({
      server: upstream,
      handleProtocols: (offered) => (offered.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false),
    });
    upstreamPort = await listen(upstream);
    agent = new Agent({ keepAlive: true, ca: certs.caCert, servername: 'member.test' });
    memberServer = new URL(`https://127.0.0.1:${upstreamPort}`);
    let lookups = 0;
    const memberA = () => ({
      name: 'member-a',
      status: 'normal',
      server: memberServer,
      agent,
      authorization: 'Bearer cube-credential',
      fingerprint: 'f',
    });
    const connections = {
      target: async () => memberA(),
      // Every other request finds the credential and the cluster cached, so both ways to prepare run.
      cached: () => (++lookups % 2 === 0 ? memberA() : undefined),
    } as unknown as ClusterConnections;
    const verifier = {
      verifyAccessToken: async (token: string) => {
        if (token !== 'alice-jwt') throw new CubeError('UNAUTHENTICATED', 'invalid access token', {});
        return { name: 'alice', groups: ['dev'] };
      },
      verifyApiToken: async () => ({ name: 'alice', groups: ['dev'] }),
      cachedPrincipal: (token: string) => (token === 'alice-jwt' ? { name: 'alice', groups: ['dev'] } : undefined),
    } as unknown as CredentialVerifier;
    const bus = { auditReady: true, audit } as unknown as ProxyBus;
    const env = { CUBE_PROXY_MAX_BODY_BYTES: LIMIT, CUBE_PROXY_AUDIT_READS: false } as GatewayEnvironment;
    const proxy = new KubeApiProxy(verifier, connections, bus, env, new TenantLists({} as ServiceRequester));
    // Every other request as the fast path serves it (the proxy answers the request id), the rest as the Express middleware does.
    let requests = 0;
    gateway = createHttpServer((req, res) => void proxy.handle(req, res, 'request-1', ++requests % 2 === 0));
    gateway.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => void proxy.handleUpgrade(req, socket, head, 'request-1'));
    gatewayPort = await listen(gateway);
  });

  beforeEach(() => {
    seen = [];
    audit.mockClear();
  });

  afterAll(async () => {
    agent.destroy();
    sockets.close();
    await new Promise((resolve) => gateway.close(resolve));
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  /** A request through the proxy; resolves with the answer once it is complete. */
  const send = (method: string, path: string, options: { headers?: Record<string, string>; body?: string | string[] } = {}) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; text: string }>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: gatewayPort,
        method,
        path: `/api/v1/proxy/clusters/member-a${path}`,
        headers: { Authorization: 'Bearer alice-jwt', ...options.headers },
      });
      req.once('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      });
      req.once('error', reject);
      const chunks = options.body === undefined ? [] : Array.isArray(options.body) ? options.body : [options.body];
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });

  it("forwards method, path, query and body untouched, with Cube's credential and the caller impersonated", async () => {
    answer = (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'audit-id': 'a-1' });
        res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body }));
      });
    };
    const patch = '{"data":{"colour":"blue"}}';
    const result = await send('PATCH', '/api/v1/namespaces/team-a/configmaps/settings?fieldManager=kubectl', {
      headers: {
        'Content-Type': 'application/merge-patch+json',
        Cookie: 'cube-session=1',
        'Impersonate-User': 'kubernetes-admin',
        'Impersonate-Group': 'system:masters',
      },
      body: patch,
    });
    expect(result.status).toBe(200);
    expect(result.headers['audit-id']).toBe('a-1');
    const echoed = JSON.parse(result.text) as {
      method: string;
      url: string;
      headers: Record<string, string>;
      rawHeaders: string[];
      body: string;
    };
    expect(echoed).toMatchObject({
      method: 'PATCH',
      url: '/api/v1/namespaces/team-a/configmaps/settings?fieldManager=kubectl',
      body: patch,
    });
    expect(echoed.headers).toMatchObject({
      authorization: 'Bearer cube-credential',
      'impersonate-user': 'alice',
      'content-type': 'application/merge-patch+json',
    });
    expect(echoed.headers['cookie']).toBeUndefined();
    const groups = echoed.rawHeaders.filter((_, i) => i % 2 === 1 && echoed.rawHeaders[i - 1]?.toLowerCase() === 'impersonate-group');
    expect(groups).toEqual(['dev', 'system:authenticated']);
    expect(audit).toHaveBeenCalledWith(
      expect.objectContaining({
        action: 'patch',
        code: 200,
        target: expect.objectContaining({ name: 'settings', namespace: 'team-a', cluster: 'member-a' }),
      }),
    );
  });

  it("forwards a read with the caller's headers stripped, Cube's credential and one line per impersonated group", async () => {
    answer = (req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'audit-id': 'a-2',
        connection: 'keep-alive, x-member-hop',
        'x-member-hop': 'dropped',
        'keep-alive': 'timeout=5',
      });
      res.end(JSON.stringify({ method: req.method, url: req.url, rawHeaders: req.rawHeaders }));
    };
    const responses = await Promise.all(
      [1, 2].map(() =>
        send('GET', '/api/v1/namespaces/team-a/configmaps?labelSelector=app%3Dweb', {
          headers: {
            Accept: 'application/json',
            Cookie: 'cube-session=1',
            'Impersonate-User': 'kubernetes-admin',
            'X-Remote-User': 'root',
            'X-Forwarded-For': '10.0.0.1',
            Connection: 'keep-alive, x-caller-hop',
            'X-Caller-Hop': 'dropped',
          },
        }),
      ),
    );
    for (const result of responses) {
      expect(result.status).toBe(200);
      expect(result.headers).toMatchObject({ 'audit-id': 'a-2', 'content-type': 'application/json' });
      expect(result.headers['x-member-hop']).toBeUndefined();
      const echoed = JSON.parse(result.text) as { method: string; url: string; rawHeaders: string[] };
      expect(echoed).toMatchObject({ method: 'GET', url: '/api/v1/namespaces/team-a/configmaps?labelSelector=app%3Dweb' });
      const lines = new Map<string, string[]>();
      for (let i = 0; i < echoed.rawHeaders.length; i += 2) {
        const name = (echoed.rawHeaders[i] ?? '').toLowerCase();
        lines.set(name, [...(lines.get(name) ?? []), echoed.rawHeaders[i + 1] ?? '']);
      }
      expect(lines.get('authorization')).toEqual(['Bearer cube-credential']);
      expect(lines.get('impersonate-user')).toEqual(['alice']);
      expect(lines.get('impersonate-group')).toEqual(['dev', 'system:authenticated']);
      expect(lines.get('accept')).toEqual(['application/json']);
      for (const gone of ['cookie', 'x-remote-user', 'x-forwarded-for', 'x-caller-hop'])
        expect({ gone, value: lines.get(gone) }).toEqual({ gone, value: undefined });
    }
    // Served once as the fast path (the proxy answers the request id) and once as the Express middleware.
    expect(responses.map((r) => r.headers['x-request-id']).filter(Boolean)).toEqual(['request-1']);
    expect(audit).not.toHaveBeenCalled();
  });

  it('passes a large answer through whole, held back while the caller reads slower than the member writes', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let left = 64;
      const more = () => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    };
    const result = await send('GET', '/api/v1/pods');
    expect(result.status).toBe(200);
    expect(result.text.length).toBe(64 * chunk.length);
  });

  it('answers 503 with a Status when the member cannot be reached', async () => {
    const reachable = memberServer;
    memberServer = new URL('https://127.0.0.1:1');
    try {
      const result = await send('GET', '/api/v1/namespaces');
      expect(result.status).toBe(503);
      expect(JSON.parse(result.text)).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    } finally {
      memberServer = reachable;
    }
  });

  it('streams a watch as the member writes it and aborts the member request when the client goes away', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{"kind":"Pod"}}\n');
      // The watch stays open: the member never ends this answer by itself.
    };
    const firstEvent = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: gatewayPort,
        path: '/api/v1/proxy/clusters/member-a/api/v1/namespaces/a/pods?watch=1',
        headers: { Authorization: 'Bearer alice-jwt' },
      });
      req.once('response', (res) =>
        res.once('data', (chunk: Buffer) => {
          resolve(chunk.toString());
          req.destroy();
        }),
      );
      req.once('error', reject);
      req.end();
    });
    expect(firstEvent).toBe('{"type":"ADDED","object":{"kind":"Pod"}}\n');
    expect(seen).toHaveLength(1);
    // The member sees its connection closed before it ever finished answering.
    expect(await seen[0]?.answered).toBe(false);
    expect(audit).not.toHaveBeenCalled();
  });

  it('refuses a declared body over the limit with a 413 Status without contacting the member', async () => {
    answer = (_req, res) => res.end();
    const result = await send('POST', '/api/v1/namespaces/a/configmaps', {
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(LIMIT + 1) },
      body: 'x'.repeat(LIMIT + 1),
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.text)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `the request body is larger than ${LIMIT} bytes`,
      reason: 'RequestEntityTooLarge',
      code: 413,
    });
    expect(seen).toEqual([]);
  });

  it('cuts a chunked body that grows past the limit: 413, and the member never gets a complete body', async () => {
    answer = (req, res) => req.on('end', () => res.end('{}'));
    const result = await send('POST', '/api/v1/namespaces/a/configmaps', {
      headers: { 'Content-Type': 'application/json' },
      body: ['x'.repeat(600), 'y'.repeat(600), 'z'.repeat(600), 'w'.repeat(600)],
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.text)).toMatchObject({ kind: 'Status', code: 413 });
    const bodies = await Promise.all(seen.map((s) => s.body));
    expect(bodies.every((b) => !b.complete)).toBe(true);
  });

  /** What a client sending a large body saw: the answer, and every error of its connection. */
  interface LargeOutcome {
    status: number;
    headers: Record<string, string>;
    body: string;
    errors: string[];
  }

  /**
   * A POST of `size` bytes over a plain socket, declared (Content-Length) or chunked: the head and the
   * first 64 KiB, then (the proxy has answered by then, having seen the head or more than LIMIT bytes)
   * the rest in 64 KiB writes once the whole answer has arrived, as a client that is still sending when
   * the answer comes. Resolves when the connection has closed.
   */
  const sendAfterAnswer = (size: number, chunked: boolean) =>
    new Promise<LargeOutcome>((resolve) => {
      const errors: string[] = [];
      let received = Buffer.alloc(0);
      let answer: Omit<LargeOutcome, 'errors'> | undefined;
      const piece = Buffer.alloc(64 * 1024, 'x');
      const framed = (data: Buffer) => (chunked ? [Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')] : [data]);
      const socket = connect({ host: '127.0.0.1', port: gatewayPort, allowHalfOpen: true });
      socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
      socket.once('close', () => resolve({ ...(answer ?? { status: 0, headers: {}, body: received.toString() }), errors }));
      const sendTheRest = () => {
        let left = size - piece.length;
        const more = () => {
          while (left > 0 && !socket.destroyed) {
            const data = piece.subarray(0, Math.min(piece.length, left));
            left -= data.length;
            if (!socket.write(Buffer.concat(framed(data)))) return void socket.once('drain', more);
          }
          if (!socket.destroyed) socket.end(chunked ? '0\r\n\r\n' : '');
        };
        more();
      };
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (answer) return;
        const headEnd = received.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const [statusLine = '', ...lines] = received.subarray(0, headEnd).toString().split('\r\n');
        const headers = Object.fromEntries(
          lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
        );
        const body = received.subarray(headEnd + 4);
        if (body.length < Number(headers['content-length'])) return;
        answer = { status: Number(statusLine.split(' ')[1]), headers, body: body.toString() };
        sendTheRest();
      });
      socket.write(
        'POST /api/v1/proxy/clusters/member-a/api/v1/namespaces/a/configmaps HTTP/1.1\r\nHost: gateway.test\r\n' +
          'Authorization: Bearer alice-jwt\r\nContent-Type: application/json\r\n' +
          (chunked ? 'Transfer-Encoding: chunked\r\n\r\n' : `Content-Length: ${size}\r\n\r\n`),
      );
      socket.write(Buffer.concat(framed(piece)));
    });

  /** A POST of `size` bytes with Node's client, the whole body in one write (as proxy.spec in cube-e2e sends it). */
  const sendInOneWrite = (size: number, chunked: boolean) =>
    new Promise<LargeOutcome>((resolve) => {
      const errors: string[] = [];
      let answer: Omit<LargeOutcome, 'errors'> | undefined;
      const req = httpRequest({
        host: '127.0.0.1',
        port: gatewayPort,
        method: 'POST',
        path: '/api/v1/proxy/clusters/member-a/api/v1/namespaces/a/configmaps',
        headers: {
          Authorization: 'Bearer alice-jwt',
          'Content-Type': 'application/json',
          ...(chunked ? {} : { 'Content-Length': String(size) }),
        },
      });
      req.once('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.once('end', () => (answer = { status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body }));
      });
      req.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
      req.once('close', () => resolve({ ...(answer ?? { status: 0, headers: {}, body: '' }), errors }));
      req.end(Buffer.alloc(size, 'x'));
    });

  it('answers a body over the limit in full while it is still arriving, declared or chunked: the client reads the 413 and meets no reset', async () => {
    answer = (req, res) => req.on('end', () => res.end('{}'));
    const size = 2 * 1024 * 1024;
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 50; i++) {
      for (const chunked of [false, true]) {
        for (const [how, send] of [
          ['rest sent after the answer', sendAfterAnswer],
          ['one write', sendInOneWrite],
        ] as const) {
          const result = await send(size, chunked);
          const outcome = `${chunked ? 'chunked' : 'declared'}, ${how}: ${result.status} ${result.headers['connection'] ?? ''} ${result.errors.join(' ')}`;
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          if (result.status === 413)
            expect(JSON.parse(result.body)).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });
        }
      }
    }
    expect(Object.fromEntries(outcomes)).toEqual({
      'declared, rest sent after the answer: 413 close ': 50,
      'declared, one write: 413 close ': 50,
      'chunked, rest sent after the answer: 413 close ': 50,
      'chunked, one write: 413 close ': 50,
    });
    // The member saw none of the declared bodies, and no more than the limit and a piece of a chunked one.
    const bodies = await Promise.all(seen.map((s) => s.body));
    expect(bodies.filter((b) => b.complete || b.bytes > 64 * 1024 + LIMIT)).toEqual([]);
  }, 180_000);

  it('answers 401 with a Status when the bearer token is missing or unknown, and does not forward', async () => {
    answer = (_req, res) => res.end();
    const missing = await send('GET', '/api/v1/namespaces', { headers: { Authorization: '' } });
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const forged = await send('GET', '/api/v1/namespaces', { headers: { Authorization: 'Bearer forged' } });
    expect(forged.status).toBe(401);
    expect(JSON.parse(forged.text)).toMatchObject({ kind: 'Status', message: 'invalid access token', code: 401 });
    expect(seen).toEqual([]);
  });

  it('refuses "." and ".." path segments, also percent-encoded, with a 400 Status and does not forward', async () => {
    answer = (_req, res) => res.end();
    for (const path of ['/api/../../healthz', '/api/%2E%2e/x', '/./api', '/api/v1/namespaces/%2e']) {
      const refused = await send('GET', path);
      expect({ path, status: refused.status }).toEqual({ path, status: 400 });
      expect(JSON.parse(refused.text)).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    }
    const dotted = await send('GET', '/api/v1/namespaces/a.b..c');
    expect(dotted.status).toBe(200);
    expect(seen.map((s) => s.req.url)).toEqual(['/api/v1/namespaces/a.b..c']);
  });

  it("splices a WebSocket upgrade with the member's subprotocol, and closing the client closes the member side", async () => {
    const upstreamSide = new Promise<{ headers: IncomingMessage['headers']; closed: Promise<void> }>((resolve) =>
      sockets.once('connection', (socket, req) => {
        socket.send('hello from the member');
        resolve({ headers: req.headers, closed: new Promise((r) => socket.once('close', () => r())) });
      }),
    );
    const client = new WebSocket(
      `ws://127.0.0.1:${gatewayPort}/api/v1/proxy/clusters/member-a/api/v1/namespaces/a/pods/web/exec?command=sh`,
      ['v5.channel.k8s.io', 'v4.channel.k8s.io'],
      {
        headers: { Authorization: 'Bearer alice-jwt', 'Impersonate-User': 'kubernetes-admin' },
      },
    );
    const first = await new Promise<string>((resolve, reject) => {
      client.once('message', (data: Buffer) => resolve(data.toString()));
      client.once('error', reject);
    });
    expect(first).toBe('hello from the member');
    expect(client.protocol).toBe('v5.channel.k8s.io');
    const member = await upstreamSide;
    expect(member.headers).toMatchObject({ authorization: 'Bearer cube-credential', 'impersonate-user': 'alice' });
    client.terminate();
    await member.closed;
    await new Promise<void>((resolve) => {
      const poll = () => (audit.mock.calls.length > 0 ? resolve() : setImmediate(poll));
      poll();
    });
    expect(audit).toHaveBeenCalledWith(
      expect.objectContaining({ action: 'get', code: 101, target: expect.objectContaining({ subresource: 'exec', name: 'web' }) }),
    );
  });
});

describe('splitProxyUrl', () => {
  it('splits the cluster, the Kubernetes path and the query', () => {
    expect(splitProxyUrl('/api/v1/proxy/clusters/member-a/api/v1/pods?watch=1')).toEqual({
      cluster: 'member-a',
      path: '/api/v1/pods',
      search: '?watch=1',
    });
    expect(splitProxyUrl('/api/v1/proxy/clusters/member-a')).toEqual({ cluster: 'member-a', path: '/', search: '' });
    expect(splitProxyUrl('/api/v1/clusters/member-a')).toBeUndefined();
  });
});
