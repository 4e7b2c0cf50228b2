import { ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { connect, JSONCodec, NatsConnection } from 'nats';
import WebSocket from 'ws';
import { RunningStack } from '@cube/dev-stack';
import { KubeServer, makeServingCertificates, startKubeServer } from '@cube/testing';
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
  until,
  validateOpenApi,
} from './support';

const ADMIN_PASSWORD = 'e2e-console-secret-2026';
const PASSWORD = 'correct horse battery staple';
/** Short limits, so that expiry and idleness are reached in seconds (defaults 30 s and 15 min). */
const TICKET_TTL_SECONDS = 5;
const IDLE_TIMEOUT_SECONDS = 3;
const MAX_SESSIONS = 3;
/** The CloudShell image as the test server knows it: its shells run as local bash with the machine's kubectl. */
const CLOUDSHELL_IMAGE = 'cube/cloudshell:e2e';
const KUBECTL = '/usr/bin/kubectl';
/** The gateway serves HTTPS here: kubectl (in the CloudShell) sends bearer tokens only over TLS. */
let gatewayCa = '';

const parseJson = (text: string): Json => {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return {};
  }
};

/** The browser side of the protocol (README "Web terminals"): output as binary frames, control frames as JSON text. */
class Terminal {
  output = '';
  readonly controls: Json[] = [];
  closed: { code: number; reason: string } | undefined;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.output += data.toString('utf8');
      else this.controls.push(parseJson(data.toString('utf8')));
    });
    ws.on('close', (code: number, reason: Buffer) => (this.closed = { code, reason: reason.toString() }));
  }

  static open(url: string): Promise<Terminal> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { ca: gatewayCa });
      const terminal = new Terminal(ws);
      ws.once('open', () => resolve(terminal));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  type(text: string): void {
    this.ws.send(Buffer.from(text), { binary: true });
  }

  resize(cols: number, rows: number): void {
    this.ws.send(JSON.stringify({ type: 'resize', cols, rows }));
  }

  async waitFor(pattern: RegExp): Promise<RegExpExecArray> {
    try {
      return await eventually(`terminal output ${pattern}`, 20_000, async () => pattern.exec(this.output) ?? undefined);
    } catch (error: unknown) {
      throw new Error(
        `${String(error)}; the terminal shows ${JSON.stringify(this.output)}, controls ${JSON.stringify(this.controls)}, closed ${JSON.stringify(this.closed)}`,
      );
    }
  }

  whenClosed(): Promise<{ code: number; reason: string }> {
    return eventually('the stream closed', 20_000, async () => this.closed);
  }
}

/** The status of a refused upgrade (the test fails if the upgrade succeeds). */
function refusedUpgrade(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ca: gatewayCa });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => {
      ws.close();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('error', reject);
  });
}

// WebConsole end to end: the real stack, a registered member (a Kubernetes API test server made normal
// by its Warden) whose RBAC alone decides who may exec where; a WebSocket client as the browser.
describe('web terminals (WebConsole)', () => {
  const log = new LineLog();
  let running: TestStack;
  let stack: RunningStack;
  let member: KubeServer;
  let warden: ChildProcess | undefined;
  let dir: { path: string; remove(): Promise<void> };
  let bus: NatsConnection;
  const audit: Json[] = [];
  const tokens: Record<string, string> = {};

  /** The gateway serves HTTPS here, under the test's own CA. */
  const client = gatewayClient(() => stack.gatewayUrl, { ca: () => gatewayCa });
  const call = (method: string, path: string, token: string | null, body?: unknown) =>
    client.call(method, path, { token: token ?? undefined, body });
  const wsUrl = (path: string) => `${stack.gatewayUrl.replace(/^http/, 'ws')}${path}`;
  const openSession = (user: string, body: Json) => call('POST', '/api/v1/console/sessions', tokens[user] ?? null, body);
  const web = { cluster: 'member-a', namespace: 'team-a', pod: 'web' };

  beforeAll(async () => {
    dir = await tempDir('cube-e2e-console');
    member = await startKubeServer({
      name: 'member-a',
      processImages: { [CLOUDSHELL_IMAGE]: { shell: '/bin/bash', path: [dirname(KUBECTL)] } },
    });
    const tls = await makeServingCertificates('cube-gateway');
    gatewayCa = tls.caCert;
    const files = { cert: join(dir.path, 'gateway.crt'), key: join(dir.path, 'gateway.key'), ca: join(dir.path, 'gateway-ca.crt') };
    await writeFile(files.cert, tls.cert);
    await writeFile(files.key, tls.key, { mode: 0o600 });
    await writeFile(files.ca, tls.caCert);
    running = await startTestStack(
      'console',
      {
        CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        CUBE_TLS_CERT_FILE: files.cert,
        CUBE_TLS_KEY_FILE: files.key,
        CUBE_PUBLIC_CA_FILE: files.ca,
        CUBE_CLOUDSHELL_IMAGE: CLOUDSHELL_IMAGE,
        CUBE_CONSOLE_TICKET_TTL: String(TICKET_TTL_SECONDS),
        CUBE_CONSOLE_IDLE_TIMEOUT: String(IDLE_TIMEOUT_SECONDS),
        CUBE_CONSOLE_MAX_SESSIONS_PER_USER: String(MAX_SESSIONS),
      },
      log.push,
    );
    stack = running.stack;
    await until('gateway ready', async () => (await call('GET', '/readyz', null)).status === 200, 60_000);
    bus = await connect({ servers: running.natsUrl });
    const codec = JSONCodec<Json>();
    const records = bus.subscribe('cube.audit.*');
    void (async () => {
      for await (const message of records) audit.push(codec.decode(message.data));
    })();
    await bus.flush();

    const login = async (username: string, password: string) =>
      String((await call('POST', '/api/v1/auth/login', null, { username, password })).body['accessToken']);
    tokens['admin'] = await login('admin', ADMIN_PASSWORD);
    for (const name of ['alice', 'bob', 'dave', 'erin', 'tina']) {
      expect((await call('POST', '/api/v1/users', tokens['admin'], { name, password: PASSWORD })).status).toBe(201);
      tokens[name] = await login(name, PASSWORD);
    }

    expect((await call('POST', '/api/v1/clusters', tokens['admin'], { name: 'member-a', kubeconfig: member.kubeconfig })).status).toBe(201);
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
        join(dir.path, 'warden'),
      ],
      {
        cwd: ROOT,
        env: { PATH: process.env['PATH'], CUBE_HEARTBEAT_INTERVAL: '0.3', LOG_LEVEL: 'info' },
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
    await until(
      'member-a normal',
      async () => (await call('GET', '/api/v1/clusters/member-a', tokens['admin'])).body['status'] === 'normal',
      60_000,
    );

    // Rights live in the member only: alice and dave may exec in team-a (edit), bob only views it.
    expect(
      (
        await kubeCall(member, 'POST', '/api/v1/namespaces', {
          body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
        })
      ).status,
    ).toBe(201);
    const bind = (user: string, role: string) =>
      kubeCall(member, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings', {
        body: {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: `${user}-${role}` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
        },
      });
    for (const [user, role] of [
      ['alice', 'edit'],
      ['dave', 'edit'],
      ['bob', 'view'],
    ] as const)
      expect((await bind(user, role)).status).toBe(201);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }] },
    };
    expect((await kubeCall(member, 'POST', '/api/v1/namespaces/team-a/pods', { body: pod })).status).toBe(201);
    await until(
      'pod web running',
      async () =>
        ((await kubeGet(member, '/api/v1/namespaces/team-a/pods/web')).body['status'] as Json | undefined)?.['phase'] === 'Running',
    );

    // CloudShell: erin is a member of tenant acme through Cube (Warden syncs her RoleBinding); globex is another tenant.
    for (const tenant of ['acme', 'globex']) {
      expect((await call('POST', '/api/v1/tenants', tokens['admin'], { name: tenant })).status).toBe(201);
      expect((await call('POST', `/api/v1/tenants/${tenant}/projects`, tokens['admin'], { name: 'web' })).status).toBe(201);
      expect(
        (
          await call('POST', `/api/v1/tenants/${tenant}/projects/web/namespaces`, tokens['admin'], {
            name: `${tenant}-dev`,
            cluster: 'member-a',
          })
        ).status,
      ).toBe(201);
    }
    const binding = { subject: { kind: 'User', name: 'erin' }, role: 'member', scope: { kind: 'project', tenant: 'acme', project: 'web' } };
    expect((await call('POST', '/api/v1/rolebindings', tokens['admin'], binding)).status).toBe(201);
    const admin = { subject: { kind: 'User', name: 'tina' }, role: 'tenant-admin', scope: { kind: 'tenant', tenant: 'acme' } };
    expect((await call('POST', '/api/v1/rolebindings', tokens['admin'], admin)).status).toBe(201);
    await until(
      "erin's RoleBinding in acme-dev",
      async () => {
        const list = await kubeGet(member, '/apis/rbac.authorization.k8s.io/v1/namespaces/acme-dev/rolebindings');
        return ((list.body['items'] as { subjects?: { name: string }[] }[] | undefined) ?? []).some((item) =>
          item.subjects?.some((subject) => subject.name === 'erin'),
        );
      },
      60_000,
    );
    await until(
      'erin reaches member-a',
      async () => ((await call('GET', '/api/v1/namespaces', tokens['erin'])).body['items'] as Json[] | undefined)?.length === 1,
      30_000,
    );
    const api = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'api' },
      spec: { containers: [{ name: 'app', image: 'busybox', command: ['sleep', '3600'] }] },
    };
    expect((await kubeCall(member, 'POST', '/api/v1/namespaces/acme-dev/pods', { body: api })).status).toBe(201);
  }, 240_000);

  afterAll(async () => {
    if (process.env['CUBE_E2E_LOG']) await writeFile(process.env['CUBE_E2E_LOG'], log.all().join('\n'));
    if (warden && warden.exitCode === null) {
      const exited = new Promise((resolve) => warden?.once('exit', resolve));
      warden.kill('SIGKILL');
      await exited;
    }
    await bus?.close();
    await running?.stop();
    await member?.stop();
    await dir?.remove();
  });

  it('runs a shell on the pod as the caller: output, resize, exit code, a recording that replays the screen, audit of start and end', async () => {
    const opened = await openSession('alice', web);
    expect(opened.status).toBe(201);
    const { id, ticket, streamUrl, expiresAt } = opened.body as { id: string; ticket: string; streamUrl: string; expiresAt: string };
    expect(streamUrl).toBe(`/api/v1/console/sessions/${id}/stream?ticket=${encodeURIComponent(ticket)}`);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());

    const terminal = await Terminal.open(wsUrl(streamUrl));
    terminal.resize(132, 43);
    terminal.type('echo hi\r');
    await terminal.waitFor(/\r\nhi\r\n/);
    terminal.type('stty size\r');
    await terminal.waitFor(/\r\n43 132\r\n/);
    terminal.type('exit 3\r');
    expect(await terminal.whenClosed()).toEqual({ code: 1000, reason: 'exited with 3' });
    expect(terminal.controls).toEqual([{ type: 'exit', code: 3 }]);

    // The recording: an asciicast v2 header, then events whose output is exactly what the browser showed.
    const session = await eventually('the session ended', 10_000, async () => {
      const list = await call('GET', '/api/v1/console/sessions', tokens['alice']);
      const found = (list.body['items'] as Json[] | undefined)?.find((item) => item['id'] === id);
      return found?.['state'] === 'ended' ? found : undefined;
    });
    expect(session).toMatchObject({
      user: 'alice',
      cluster: 'member-a',
      namespace: 'team-a',
      pod: 'web',
      container: 'app',
      exitCode: 3,
      kind: 'console',
    });
    const recording = await call('GET', `/api/v1/console/sessions/${id}/recording`, tokens['alice']);
    expect(recording.status).toBe(200);
    const [header, ...lines] = recording.text.trimEnd().split('\n');
    expect(JSON.parse(header ?? '{}')).toMatchObject({ version: 2, width: 132, height: 43 });
    const events = lines.map((line) => JSON.parse(line) as [number, string, string]);
    expect(
      events
        .filter(([, kind]) => kind === 'o')
        .map(([, , data]) => data)
        .join(''),
    ).toBe(terminal.output);
    expect(
      events
        .filter(([, kind]) => kind === 'i')
        .map(([, , data]) => data)
        .join(''),
    ).toBe('echo hi\rstty size\rexit 3\r');
    expect(events.find(([, kind]) => kind === 'r')?.[2]).toBe('132x43');
    const times = events.map(([at]) => at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    const records = await eventually('audit records of the start and the end', 10_000, async () => {
      const mine = audit.filter((r) => (r['target'] as Json | undefined)?.['sessionId'] === id);
      return mine.length >= 2 ? mine : undefined;
    });
    const place = { sessionId: id, cluster: 'member-a', namespace: 'team-a', pod: 'web', container: 'app' };
    expect(records.find((r) => r['action'] === 'console.session.start')).toMatchObject({
      actor: { name: 'alice' },
      service: 'console',
      target: place,
    });
    const end = records.find((r) => r['action'] === 'console.session.end');
    expect(end).toMatchObject({ actor: { name: 'alice' }, target: { ...place, exitCode: 3 } });
    expect(typeof (end?.['target'] as Json)['durationMs']).toBe('number');
  });

  it('refuses a session to a user who may only view the namespace (403), and one who cannot see it at all (404)', async () => {
    const viewer = await openSession('bob', web);
    expect(viewer.status).toBe(403);
    expect(viewer.body['code']).toBe('FORBIDDEN');
    const elsewhere = await openSession('bob', { ...web, namespace: 'team-z' });
    expect(elsewhere.status).toBe(404);
  });

  it("takes a ticket once: a second use, an expired ticket and another session's ticket are refused with 401", async () => {
    const first = (await openSession('alice', web)).body as { id: string; ticket: string; streamUrl: string };
    const second = (await openSession('alice', web)).body as { id: string; ticket: string; streamUrl: string; expiresAt: string };
    // Another session's ticket does not open this one.
    expect(await refusedUpgrade(wsUrl(`/api/v1/console/sessions/${first.id}/stream?ticket=${encodeURIComponent(second.ticket)}`))).toBe(
      401,
    );
    const terminal = await Terminal.open(wsUrl(first.streamUrl));
    expect(await refusedUpgrade(wsUrl(first.streamUrl))).toBe(401);
    terminal.type('sleep 600\r');
    await terminal.waitFor(/sleep 600\r\n/);
    // Closing the browser ends the exec (and the session) without waiting for the command.
    terminal.ws.close();
    await terminal.whenClosed();
    await until('the closed session ended', async () => {
      const list = await call('GET', '/api/v1/console/sessions?user=alice', tokens['alice']);
      return (list.body['items'] as Json[]).some(
        (item) => item['id'] === first.id && item['state'] === 'ended' && item['endReason'] === 'the browser closed the stream',
      );
    });
    // The second ticket, unused, expires.
    await until('the ticket expired', async () => Date.now() > Date.parse(second.expiresAt) + 500, 20_000);
    expect(await refusedUpgrade(wsUrl(second.streamUrl))).toBe(401);
    expect(await refusedUpgrade(wsUrl(`/api/v1/console/sessions/${second.id}/stream`))).toBe(401);
  });

  it('closes an idle stream, ending the session', async () => {
    const opened = (await openSession('alice', web)).body as { id: string; streamUrl: string };
    const terminal = await Terminal.open(wsUrl(opened.streamUrl));
    expect(await terminal.whenClosed()).toEqual({ code: 4001, reason: 'idle timeout' });
    expect(terminal.controls.at(-1)).toMatchObject({ type: 'error' });
    await until('the idle session ended', async () => {
      const list = await call('GET', `/api/v1/console/sessions?namespace=team-a&user=alice`, tokens['alice']);
      return (list.body['items'] as Json[]).some(
        (item) => item['id'] === opened.id && item['state'] === 'ended' && item['endReason'] === 'idle timeout',
      );
    });
  });

  it('closes the stream with a reason on a malformed control frame', async () => {
    const opened = (await openSession('alice', web)).body as { streamUrl: string };
    const terminal = await Terminal.open(wsUrl(opened.streamUrl));
    terminal.ws.send('{"type":"resize","cols":"wide"}');
    expect(await terminal.whenClosed()).toEqual({ code: 1007, reason: 'malformed control frame' });
  });

  it('answers bad input with 4xx, never 5xx', async () => {
    expect((await openSession('alice', { ...web, pod: 'nope' })).status).toBe(404);
    const container = await openSession('alice', { ...web, container: 'sidecar' });
    expect(container.status).toBe(422);
    expect(container.body['code']).toBe('UNPROCESSABLE');
    expect((await openSession('alice', { ...web, pod: 'Not_A_Pod' })).status).toBe(422);
    expect((await openSession('alice', { namespace: 'team-a', pod: 'web' })).status).toBe(400);
    expect((await openSession('alice', { ...web, extra: true })).status).toBe(400);
    expect((await openSession('alice', { ...web, command: [] })).status).toBe(400);
    expect((await openSession('alice', { ...web, cluster: 'member-z' })).status).toBe(404);
    expect((await call('POST', '/api/v1/console/sessions', null, web)).status).toBe(401);
    expect((await call('GET', '/api/v1/console/sessions/not-a-uuid/recording', tokens['alice'])).status).toBe(404);
    expect((await call('GET', '/api/v1/console/sessions/00000000-0000-4000-8000-000000000000/recording', tokens['alice'])).status).toBe(
      404,
    );
    expect((await call('GET', '/api/v1/console/sessions?limit=0', tokens['alice'])).status).toBe(400);
    expect((await call('GET', '/api/v1/console/sessions?cursor=garbage', tokens['alice'])).status).toBe(400);
    expect(await refusedUpgrade(wsUrl('/api/v1/console/sessions/not-a-uuid/stream?ticket=x'))).toBe(404);
    expect(await refusedUpgrade(wsUrl('/api/v1/console/sessions/00000000-0000-4000-8000-000000000000/stream?ticket=x'))).toBe(401);
  });

  it("lists only what the caller may see, and hides others' recordings", async () => {
    const mine = await call('GET', '/api/v1/console/sessions', tokens['alice']);
    const items = mine.body['items'] as Json[];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((item) => item['user'] === 'alice')).toBe(true);
    expect((await call('GET', '/api/v1/console/sessions', tokens['bob'])).body['items']).toEqual([]);
    const all = await call('GET', '/api/v1/console/sessions?limit=1', tokens['admin']);
    expect((all.body['items'] as Json[]).length).toBe(1);
    expect(typeof all.body['nextCursor']).toBe('string');
    const next = await call('GET', `/api/v1/console/sessions?limit=1&cursor=${String(all.body['nextCursor'])}`, tokens['admin']);
    expect((next.body['items'] as Json[])[0]?.['id']).not.toBe((all.body['items'] as Json[])[0]?.['id']);
    const id = String(items[0]?.['id']);
    expect((await call('GET', `/api/v1/console/sessions/${id}/recording`, tokens['bob'])).status).toBe(404);
    expect((await call('GET', `/api/v1/console/sessions/${id}/recording`, tokens['admin'])).status).toBe(200);
  });

  it("shows a tenant admin the sessions in their tenant's namespaces, and no one else's", async () => {
    const opened = await openSession('erin', { cluster: 'member-a', namespace: 'acme-dev', pod: 'api' });
    expect(opened.status).toBe(201);
    const id = String(opened.body['id']);
    const seen = await call('GET', '/api/v1/console/sessions?namespace=acme-dev', tokens['tina']);
    expect((seen.body['items'] as Json[]).map((item) => item['id'])).toEqual([id]);
    expect((seen.body['items'] as Json[])[0]).toMatchObject({ user: 'erin', tenant: 'acme', project: 'web' });
    const all = await call('GET', '/api/v1/console/sessions', tokens['tina']);
    expect((all.body['items'] as Json[]).every((item) => item['tenant'] === 'acme')).toBe(true);
    expect((await call('GET', '/api/v1/console/sessions', tokens['alice'])).body['items']).not.toContainEqual(
      expect.objectContaining({ id }),
    );
  });

  it('documents the console in the valid OpenAPI document', async () => {
    const document = JSON.parse((await call('GET', '/api/docs/openapi.json', null)).text) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(validateOpenApi(document)).toEqual({ valid: true, error: '' });
    expect(Object.keys(document.paths['/api/v1/console/sessions'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/api/v1/console/sessions/{id}/recording'] ?? {})).toEqual(['get']);
    expect(Object.keys(document.paths['/api/v1/console/sessions/{id}/stream'] ?? {})).toEqual(['get']);
    expect(Object.keys(document.paths['/api/v1/cloudshell/sessions'] ?? {})).toEqual(['post']);
  });

  it('refuses more open sessions per user than the limit with 429', async () => {
    for (let i = 0; i < MAX_SESSIONS; i += 1) expect((await openSession('dave', web)).status).toBe(201);
    const over = await openSession('dave', web);
    expect(over.status).toBe(429);
    expect(over.body['code']).toBe('RATE_LIMITED');
  });

  it("opens a CloudShell where kubectl has exactly the tenant member's rights; when it ends its pod is gone and its token refused", async () => {
    const opened = await call('POST', '/api/v1/cloudshell/sessions', tokens['erin'], { cluster: 'member-a' });
    expect(opened.status).toBe(201);
    const { streamUrl } = opened.body as { streamUrl: string };

    // One unprivileged pod of erin's in cube-cloudshell, made by Cube, reachable only from the gateway.
    const pods = ((await kubeGet(member, '/api/v1/namespaces/cube-cloudshell/pods')).body['items'] as Json[]) ?? [];
    expect(pods).toHaveLength(1);
    const pod = pods[0] as { metadata: { name: string; annotations: Json }; spec: Json & { containers: Json[]; volumes: Json[] } };
    expect(pod.metadata.annotations['cube.io/user']).toBe('erin');
    expect(pod.spec).toMatchObject({ automountServiceAccountToken: false, securityContext: { runAsNonRoot: true } });
    expect(pod.spec.containers[0]).toMatchObject({
      image: CLOUDSHELL_IMAGE,
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      resources: { limits: { cpu: '500m', memory: '256Mi' } },
    });
    const policy = await kubeGet(member, '/apis/networking.k8s.io/v1/namespaces/cube-cloudshell/networkpolicies/cloudshell-only-gateway');
    expect(policy.body['spec']).toMatchObject({ policyTypes: ['Ingress', 'Egress'], ingress: [] });
    const secret = await kubeGet(member, `/api/v1/namespaces/cube-cloudshell/secrets/${pod.metadata.name}-kubeconfig`);
    const kubeconfig = Buffer.from(String((secret.body['data'] as Json)['config']), 'base64').toString('utf8');
    const token = /token: (\S+)/.exec(kubeconfig)?.[1] ?? '';
    expect((await call('GET', '/api/v1/namespaces', token)).status).toBe(200);

    const terminal = await Terminal.open(wsUrl(streamUrl));
    terminal.type('kubectl get pods -n acme-dev\r');
    await terminal.waitFor(/\bapi\s+\d\/\d\s+Running/);
    terminal.type('kubectl get nodes\r');
    await terminal.waitFor(/Forbidden.*User "erin" cannot list resource "nodes"/);
    terminal.type('kubectl -n globex-dev get pods\r');
    await terminal.waitFor(/User "erin" cannot list resource "pods" in API group "" in the namespace "globex-dev"/);
    // bash's `exit` alone would return the last command's status (kubectl's 1).
    terminal.type('exit 0\r');
    expect((await terminal.whenClosed()).code).toBe(1000);
    expect(terminal.controls).toEqual([{ type: 'exit', code: 0 }]);

    await until(
      'the CloudShell pod is gone',
      async () => (await kubeGet(member, `/api/v1/namespaces/cube-cloudshell/pods/${pod.metadata.name}`)).status === 404,
    );
    expect((await kubeGet(member, `/api/v1/namespaces/cube-cloudshell/secrets/${pod.metadata.name}-kubeconfig`)).status).toBe(404);
    await until('the CloudShell token is refused', async () => (await call('GET', '/api/v1/namespaces', token)).status === 401);
  });

  it('removes a CloudShell whose ticket expired unused, and revokes its token', async () => {
    const opened = await call('POST', '/api/v1/cloudshell/sessions', tokens['erin'], {});
    expect(opened.status).toBe(201);
    const pods =
      ((await kubeGet(member, '/api/v1/namespaces/cube-cloudshell/pods')).body['items'] as { metadata: { name: string } }[]) ?? [];
    expect(pods).toHaveLength(1);
    const name = pods[0]?.metadata.name ?? '';
    const secret = await kubeGet(member, `/api/v1/namespaces/cube-cloudshell/secrets/${name}-kubeconfig`);
    const token = /token: (\S+)/.exec(Buffer.from(String((secret.body['data'] as Json)['config']), 'base64').toString('utf8'))?.[1] ?? '';
    await until(
      'the unused CloudShell is gone',
      async () => (await kubeGet(member, `/api/v1/namespaces/cube-cloudshell/pods/${name}`)).status === 404,
      40_000,
    );
    await until('its token is refused', async () => (await call('GET', '/api/v1/namespaces', token)).status === 401);
    const list = await call('GET', `/api/v1/console/sessions?namespace=cube-cloudshell`, tokens['erin']);
    expect((list.body['items'] as Json[]).find((item) => item['id'] === opened.body['id'])).toMatchObject({
      state: 'ended',
      endReason: 'the ticket was never used',
      kind: 'cloudshell',
    });
  }, 60_000);

  it('never writes a ticket into the logs', async () => {
    const opened = (await openSession('alice', web)).body as { ticket: string; streamUrl: string };
    const terminal = await Terminal.open(wsUrl(opened.streamUrl));
    terminal.ws.close();
    await terminal.whenClosed();
    expect(await refusedUpgrade(wsUrl(opened.streamUrl))).toBe(401);
    await call('GET', `/api/v1/console/sessions?ticket=${opened.ticket}`, tokens['alice']);
    expect(log.all().filter((line) => line.includes(opened.ticket))).toEqual([]);
  });
});
