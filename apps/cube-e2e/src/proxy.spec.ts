import { ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { connect, JSONCodec, NatsConnection } from 'nats';
import WebSocket from 'ws';
import { ClustersSubjects } from '@cube/contracts';
import { RunningStack } from '@cube/dev-stack';
import { KubeServer, startKubeServer } from '@cube/testing';
import {
  eventually,
  gatewayClient,
  Json,
  kubeCall,
  kubeGet,
  LineLog,
  ROOT,
  startTestStack,
  tempDir,
  TestStack,
  validateOpenApi,
  waitForStatus,
} from './support';

const ADMIN_PASSWORD = 'e2e-proxy-secret-2026';
const ALICE_PASSWORD = 'correct horse battery staple';
const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** Short, so that a dead Warden turns the cluster abnormal within seconds (default 30 s). */
const HEARTBEAT_TIMEOUT_SECONDS = 3;
const HEARTBEAT_INTERVAL_SECONDS = 0.3;

interface Answer {
  status: number;
  text: string;
  json: Json;
}

const parseJson = (text: string): Json => {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return {};
  }
};

// The native Kubernetes API proxy end to end: the real stack, a registered member (a Kubernetes API
// test server made normal by its Warden), a Cube user whose rights come only from the member's RBAC.
describe('native Kubernetes API proxy', () => {
  const log = new LineLog();
  let running: TestStack;
  let stack: RunningStack;
  let adminToken: string;
  let aliceToken: string;
  let aliceApiToken: string;
  let bus: NatsConnection;
  let member: KubeServer;
  let pending: KubeServer;
  let warden: ChildProcess | undefined;
  let dir: { path: string; remove(): Promise<void> };
  const audit: Json[] = [];

  const proxyPath = (cluster: string, path: string) => `/api/v1/proxy/clusters/${cluster}${path}`;

  const client = gatewayClient(() => stack.gatewayUrl);
  /** As alice unless another token (null: none) is given; its JSON body as `json` (`{}` when not JSON). */
  const call = async (
    method: string,
    path: string,
    options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> => {
    const token = options.token === undefined ? aliceToken : options.token;
    const reply = await client.call(method, path, { token: token ?? undefined, body: options.body, headers: options.headers });
    return { status: reply.status, text: reply.text, json: parseJson(reply.text) };
  };

  const kube = (method: string, path: string, options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}) =>
    call(method, proxyPath('member-a', path), options);

  const startWarden = async () => {
    const kubeconfig = join(dir.path, 'member-a.kubeconfig');
    await writeFile(kubeconfig, member.kubeconfig, { mode: 0o600 });
    warden = spawn(
      process.execPath,
      [
        join(ROOT, 'dist/apps/warden/main.js'),
        '--cluster',
        'member-a',
        '--kubeconfig',
        kubeconfig,
        '--state-dir',
        join(dir.path, 'member-a-state'),
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env['PATH'], CUBE_HEARTBEAT_INTERVAL: String(HEARTBEAT_INTERVAL_SECONDS), LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const relay = (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((line) => log.push(`[warden] ${line}`));
    warden.stdout?.on('data', relay);
    warden.stderr?.on('data', relay);
  };

  const stopWarden = async () => {
    const child = warden;
    warden = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };

  const reaches = (status: string, deadlineMs: number) =>
    eventually(`member-a ${status}`, deadlineMs, async () =>
      (await call('GET', '/api/v1/clusters/member-a', { token: adminToken })).json['status'] === status ? true : undefined,
    );

  beforeAll(async () => {
    dir = await tempDir('cube-e2e-proxy');
    [member, pending] = await Promise.all([startKubeServer({ name: 'member-a' }), startKubeServer({ name: 'member-b' })]);
    running = await startTestStack(
      'proxy',
      { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD, CUBE_HEARTBEAT_TIMEOUT: String(HEARTBEAT_TIMEOUT_SECONDS) },
      log.push,
    );
    stack = running.stack;
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    bus = await connect({ servers: running.natsUrl });
    const codec = JSONCodec<Json>();
    // The proxy's records of native writes are source `kubernetes` (issue #9: cube.audit.<source>).
    const records = bus.subscribe('cube.audit.kubernetes');
    void (async () => {
      for await (const message of records) {
        const record = codec.decode(message.data);
        if (record['service'] === 'gateway') audit.push(record);
      }
    })();
    await bus.flush();

    adminToken = await client.token('admin', ADMIN_PASSWORD);
    expect((await call('POST', '/api/v1/users', { token: adminToken, body: { name: 'alice', password: ALICE_PASSWORD } })).status).toBe(
      201,
    );
    aliceToken = await client.token('alice', ALICE_PASSWORD);
    const created = await call('POST', '/api/v1/tokens', { body: { name: 'proxy-e2e' } });
    expect(created.status).toBe(201);
    aliceApiToken = String(created.json['token']);

    // member-a turns normal once its Warden heartbeats; member-b has no Warden and stays pending.
    expect(
      (await call('POST', '/api/v1/clusters', { token: adminToken, body: { name: 'member-a', kubeconfig: member.kubeconfig } })).status,
    ).toBe(201);
    expect(
      (await call('POST', '/api/v1/clusters', { token: adminToken, body: { name: 'member-b', kubeconfig: pending.kubeconfig } })).status,
    ).toBe(201);
    await startWarden();
    await reaches('normal', 60_000);

    // alice's rights exist only in the member: a RoleBinding in team-a to a ClusterRole, nothing in team-b.
    for (const name of ['team-a', 'team-b']) {
      expect(
        (await kubeCall(member, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } }))
          .status,
      ).toBe(201);
    }
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'proxy-e2e-editor' },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps', 'pods', 'pods/exec', 'pods/log'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        },
      ],
    };
    expect((await kubeCall(member, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { body: role })).status).toBe(201);
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'alice-editor', namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'proxy-e2e-editor' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    };
    expect(
      (await kubeCall(member, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings', { body: binding })).status,
    ).toBe(201);
  }, 180_000);

  afterAll(async () => {
    if (process.env['CUBE_E2E_LOG']) await writeFile(process.env['CUBE_E2E_LOG'], log.all().join('\n'));
    await stopWarden();
    await bus?.close();
    await running?.stop();
    await Promise.all([member?.stop(), pending?.stop()]);
    await dir?.remove();
  });

  it("creates, gets, lists and deletes as the caller where the member's RBAC allows it, and audits the writes", async () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { colour: 'blue' } };
    const created = await kube('POST', '/api/v1/namespaces/team-a/configmaps', { body: configMap });
    expect(created.status).toBe(201);
    expect(created.json['metadata']).toMatchObject({ name: 'settings', namespace: 'team-a' });
    // What the member stored is what was sent.
    expect((await kubeGet(member, '/api/v1/namespaces/team-a/configmaps/settings')).body['data']).toEqual({ colour: 'blue' });

    const got = await kube('GET', '/api/v1/namespaces/team-a/configmaps/settings');
    expect(got.status).toBe(200);
    expect(got.json['data']).toEqual({ colour: 'blue' });
    const list = await kube('GET', '/api/v1/namespaces/team-a/configmaps?labelSelector=');
    expect(list.status).toBe(200);
    expect(list.json['kind']).toBe('ConfigMapList');
    expect((list.json['items'] as Json[]).map((item) => (item['metadata'] as Json)['name'])).toContain('settings');

    // An API token works as well as a login's access token.
    expect((await kube('GET', '/api/v1/namespaces/team-a/configmaps/settings', { token: aliceApiToken })).status).toBe(200);

    const deleted = await kube('DELETE', '/api/v1/namespaces/team-a/configmaps/settings');
    expect(deleted.status).toBe(200);
    expect((await kubeGet(member, '/api/v1/namespaces/team-a/configmaps/settings')).status).toBe(404);

    await bus.flush();
    const records = await eventually('audit records of the create and the delete', 10_000, async () => {
      const mine = audit.filter((r) => (r['target'] as Json)['name'] === 'settings' && (r['actor'] as Json)['name'] === 'alice');
      return mine.length >= 2 ? mine : undefined;
    });
    const create = records.find((r) => r['action'] === 'create');
    expect(create).toMatchObject({
      source: 'kubernetes',
      service: 'gateway',
      action: 'create',
      outcome: 'success',
      code: 201,
      actor: { kind: 'user', name: 'alice' },
      target: { kind: 'configmaps', name: 'settings', cluster: 'member-a', namespace: 'team-a', resource: 'configmaps' },
    });
    expect(typeof create?.['latencyMs']).toBe('number');
    expect(records.find((r) => r['action'] === 'delete')).toMatchObject({ code: 200, target: { name: 'settings', cluster: 'member-a' } });
    // Reads are not audited by default.
    expect(audit.filter((r) => ['get', 'list', 'watch'].includes(String(r['action'])))).toEqual([]);
  });

  it("passes the member's 403 Status through unchanged where its RBAC refuses the caller", async () => {
    const refused = await kube('GET', '/api/v1/namespaces/team-b/configmaps');
    const asAliceDirectly = await kubeGet(member, '/api/v1/namespaces/team-b/configmaps', {
      'Impersonate-User': 'alice',
      'Impersonate-Group': ['system:authenticated'],
    });
    expect(refused.status).toBe(403);
    expect(refused.text).toBe(asAliceDirectly.text);
    expect(refused.json).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(String(refused.json['message'])).toContain('User "alice" cannot list resource "configmaps"');

    const create = await kube('POST', '/api/v1/namespaces/team-b/configmaps', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nope' } },
    });
    expect(create.status).toBe(403);
    expect((await kubeGet(member, '/api/v1/namespaces/team-b/configmaps/nope')).status).toBe(404);

    // The member's own 404 Status passes through as well.
    const missing = await kube('GET', '/api/v1/namespaces/team-a/configmaps/missing');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'configmaps "missing" not found' });
  });

  it("ignores the caller's own impersonation headers: a member cannot act as an admin", async () => {
    const asAdmin = { 'Impersonate-User': 'kubernetes-admin', 'Impersonate-Group': 'system:masters', 'Impersonate-Uid': '0' };
    const review = await kube('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      headers: asAdmin,
    });
    expect(review.status).toBe(201);
    const userInfo = (review.json['status'] as Json)['userInfo'] as Json;
    expect(userInfo['username']).toBe('alice');
    expect(userInfo['groups']).toContain('system:authenticated');
    expect(userInfo['groups']).not.toContain('system:masters');

    const refused = await kube('GET', '/api/v1/namespaces/team-b/configmaps', { headers: asAdmin });
    expect(refused.status).toBe(403);
    expect(String(refused.json['message'])).toContain('User "alice"');
  });

  it('answers its own errors as Kubernetes Status bodies: 401, 404, 503', async () => {
    const anonymous = await kube('GET', '/api/v1/namespaces/team-a/configmaps', { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
    expect((await kube('GET', '/api/v1/namespaces/team-a/configmaps', { token: 'not-a-token' })).status).toBe(401);

    const unknown = await call('GET', proxyPath('no-such-cluster', '/api/v1/namespaces'));
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404, message: 'cluster "no-such-cluster" not found' });

    const notNormal = await call('GET', proxyPath('member-b', '/api/v1/namespaces'));
    expect(notNormal.status).toBe(503);
    expect(notNormal.json).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    expect(String(notNormal.json['message'])).toContain('is pending');
  });

  it('refuses a body over the limit with 413, declared or streamed, and the member sees no write', async () => {
    const big = JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big' },
      data: { blob: 'x'.repeat(MAX_BODY_BYTES) },
    });
    const send = (chunked: boolean) =>
      new Promise<Answer>((resolve, reject) => {
        const req = httpRequest(`${stack.gatewayUrl}${proxyPath('member-a', '/api/v1/namespaces/team-a/configmaps')}`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${aliceToken}`,
            'Content-Type': 'application/json',
            ...(chunked ? {} : { 'Content-Length': String(Buffer.byteLength(big)) }),
          },
        });
        req.once('response', (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.once('end', () => resolve({ status: res.statusCode ?? 0, text, json: parseJson(text) }));
        });
        // The gateway answers before the body is complete and reads the rest before it closes (a lingering
        // close): the client's writes meet no reset, so any error fails the test.
        req.on('error', reject);
        if (chunked) {
          for (let at = 0; at < big.length; at += 64 * 1024) req.write(big.slice(at, at + 64 * 1024));
          req.end();
        } else {
          req.end(big);
        }
      });
    for (const chunked of [false, true]) {
      const answer = await send(chunked);
      expect({ chunked, status: answer.status }).toEqual({ chunked, status: 413 });
      expect(answer.json).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });
    }
    expect((await kubeGet(member, '/api/v1/namespaces/team-a/configmaps/big')).status).toBe(404);
  });

  it('streams a watch: an event caused by another client arrives while the watch stays open', async () => {
    const list = await kube('GET', '/api/v1/namespaces/team-a/configmaps');
    const resourceVersion = String((list.json['metadata'] as Json)['resourceVersion']);
    const controller = new AbortController();
    const response = await fetch(
      `${stack.gatewayUrl}${proxyPath('member-a', `/api/v1/namespaces/team-a/configmaps?watch=1&resourceVersion=${resourceVersion}`)}`,
      {
        headers: { Authorization: `Bearer ${aliceToken}` },
        signal: controller.signal,
      },
    );
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    // The response has begun (headers flushed) before anything happened; now another client acts.
    expect(
      (
        await kubeCall(member, 'POST', '/api/v1/namespaces/team-a/configmaps', {
          body: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'watched' },
          },
        })
      ).status,
    ).toBe(201);
    let buffered = '';
    let event: Json | undefined;
    while (!event) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the watch ended before the event: ${buffered}`);
      buffered += Buffer.from(value).toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      event = lines
        .map(parseJson)
        .find((e) => ((e['object'] as Json | undefined)?.['metadata'] as Json | undefined)?.['name'] === 'watched');
    }
    expect(event['type']).toBe('ADDED');
    controller.abort();
  });

  it('runs exec over a WebSocket (v5.channel.k8s.io negotiated end to end) and audits it', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }] },
    };
    expect((await kubeCall(member, 'POST', '/api/v1/namespaces/team-a/pods', { body: pod })).status).toBe(201);
    await eventually('pod web running', 20_000, async () => {
      const status = (await kubeGet(member, '/api/v1/namespaces/team-a/pods/web')).body['status'] as Json | undefined;
      return status?.['phase'] === 'Running' ? true : undefined;
    });
    const url = `${stack.gatewayUrl.replace('http://', 'ws://')}${proxyPath('member-a', '/api/v1/namespaces/team-a/pods/web/exec?command=echo&command=hi&stdout=true&stderr=true')}`;
    const ws = new WebSocket(url, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], { headers: { Authorization: `Bearer ${aliceToken}` } });
    const messages: Buffer[] = [];
    ws.on('message', (data: Buffer) => messages.push(Buffer.from(data)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('v5.channel.k8s.io');
    await new Promise<void>((resolve) => ws.once('close', () => resolve()));
    const stdout = Buffer.concat(messages.filter((m) => m[0] === 1).map((m) => m.subarray(1))).toString();
    expect(stdout).toBe('hi\n');
    const error = messages.find((m) => m[0] === 3);
    expect(error && parseJson(error.subarray(1).toString())['status']).toBe('Success');

    await bus.flush();
    await eventually('audit record of the exec', 10_000, async () =>
      audit.find((r) => r['action'] === 'get' && (r['target'] as Json)['subresource'] === 'exec' && r['code'] === 101),
    );

    // Without a token the upgrade is refused with a Status, never forwarded.
    const refused = await new Promise<number>((resolve, reject) => {
      const anonymous = new WebSocket(url, ['v5.channel.k8s.io']);
      anonymous.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      anonymous.once('open', () => reject(new Error('opened without a token')));
      anonymous.once('error', reject);
    });
    expect(refused).toBe(401);
  });

  it("hands a cluster's connection only to the gateway, with the credential sealed on the bus", async () => {
    // Nest's NATS transport: a request is { pattern, data, id }, the reply { response } or { err }.
    const ask = async (actor: Json) => {
      const message = {
        pattern: ClustersSubjects.connection,
        data: { actor, requestId: 'proxy-e2e', payload: { name: 'member-a' } },
        id: 'proxy-e2e',
      };
      const reply = await bus.request(ClustersSubjects.connection, JSONCodec().encode(message), { timeout: 10_000 });
      return JSONCodec<Json>().decode(reply.data);
    };
    const refused = await ask({ kind: 'user', name: 'alice', groups: [] });
    expect(refused['err']).toMatchObject({ code: 'FORBIDDEN' });
    const granted = await ask({ kind: 'system', name: 'gateway' });
    expect(granted['response']).toMatchObject({
      name: 'member-a',
      status: 'normal',
      server: member.url,
      credentials: { sealed: 'aes-256-gcm' },
      keyId: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(JSON.stringify(granted)).not.toContain(member.adminToken);
  });

  it('documents the proxy path, every method, in the valid OpenAPI document', async () => {
    const document = (await client.call('GET', '/api/docs/openapi.json')).body as unknown as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(validateOpenApi(document)).toEqual({ valid: true, error: '' });
    expect(Object.keys(document.paths['/api/v1/proxy/clusters/{cluster}/{path}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'head',
      'options',
      'patch',
      'post',
      'put',
    ]);
  });

  // Stops the member's Warden, so it runs after the others. The status-changed events, not the cache's
  // 30 s expiry, make the proxy see the change.
  it('refuses with 503 once the cluster turns abnormal, and serves again once it is normal', async () => {
    expect((await kube('GET', '/api/v1/namespaces/team-a/configmaps')).status).toBe(200);
    await stopWarden();
    await reaches('abnormal', HEARTBEAT_TIMEOUT_SECONDS * 1000 + 10_000);
    const refused = await eventually('503 through the proxy', 10_000, async () => {
      const answer = await kube('GET', '/api/v1/namespaces/team-a/configmaps');
      return answer.status === 503 ? answer : undefined;
    });
    expect(refused.json).toMatchObject({ kind: 'Status', code: 503, message: expect.stringContaining('is abnormal') });

    await startWarden();
    await reaches('normal', 30_000);
    await eventually('200 through the proxy', 10_000, async () =>
      (await kube('GET', '/api/v1/namespaces/team-a/configmaps')).status === 200 ? true : undefined,
    );
  });

  it('keeps every credential out of the logs', () => {
    const lines = log.all().join('\n');
    for (const secret of [member.adminToken, pending.adminToken, aliceToken, aliceApiToken]) expect(lines).not.toContain(secret);
  });
});
