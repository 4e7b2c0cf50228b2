import { ChildProcess } from 'node:child_process';
import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeServer, startKubeServer } from '@cube/testing';
import {
  eventually,
  gatewayClient,
  Json,
  LineLog,
  makeTenant,
  startTestStack,
  tempDir,
  TestStack,
  waitForStatus,
  spawnWarden,
} from './support';

const ADMIN_PASSWORD = 'e2e-trail-root-2026';
const ALICE_PASSWORD = 'Lantern-Cobalt-Meadow-2026';
const BOB_PASSWORD = 'Harbour-Thistle-Quartz-2026';

interface AuditEntry {
  id: string;
  source: string;
  actor: { user: string };
  action: string;
  target: { cluster: string | null; namespace: string | null; resource: string | null; name: string | null };
  requestId: string | null;
  platformRequestId?: string;
}

/** An `audit.k8s.io/v1` Event as the member's audit webhook sent it. */
interface MemberEvent {
  auditID: string;
  stage: string;
  verb: string;
  objectRef?: { resource?: string; namespace?: string; name?: string };
  user: { username?: string; extra?: Record<string, string[]> };
  impersonatedUser?: { username?: string; groups?: string[]; extra?: Record<string, string[]> };
}

/**
 * Between the member's audit webhook and the gateway: keeps every EventList as the member sent it
 * (what the member's own audit log holds), then forwards it unchanged with the member's credentials.
 */
class AuditTap {
  readonly events: MemberEvent[] = [];
  private server!: Server;

  constructor(private readonly gateway: () => string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.relay(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async relay(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    try {
      this.events.push(...((JSON.parse(body.toString()) as { items?: MemberEvent[] }).items ?? []));
    } catch {
      // Not JSON: the gateway answers it.
    }
    const upstream = httpRequest(
      `${this.gateway()}${req.url ?? '/'}`,
      { method: req.method, headers: { ...req.headers, host: new URL(this.gateway()).host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    upstream.end(body);
  }
}

/** A request straight to the member as its admin (what another client of the member would do). */
function direct(member: KubeServer, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${member.url}${path}`,
      { method, ca: member.caCert, headers: { Authorization: `Bearer ${member.adminToken}`, 'Content-Type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.once('end', () => {
          let json: Json = {};
          try {
            json = JSON.parse(text) as Json;
          } catch {
            // Not JSON.
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.once('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

// Issue #22 part 2: one trail from the platform record of a proxied write to the member's own audit
// event, linked by the Cube request id the proxy sends as the user extra `cube-request-id`.
describe('the audit trail from the platform to the member', () => {
  const log = new LineLog();
  let running: TestStack;
  let member: KubeServer | undefined;
  let warden: ChildProcess | undefined;
  let dir: { path: string; remove(): Promise<void> };
  let adminToken: string;
  let aliceToken: string;
  let bobToken: string;
  const tap = new AuditTap(() => running.stack.gatewayUrl);

  const client = gatewayClient(() => running.stack.gatewayUrl);
  const proxy = (method: string, path: string, token: string, body?: unknown, headers: Record<string, string> = {}) =>
    client.call(method, `/api/v1/proxy/clusters/member-a${path}`, { token, body, headers });
  const events = async (token: string, query: Record<string, string>): Promise<AuditEntry[]> => {
    const reply = await client.call('GET', `/api/v1/audit/events?${new URLSearchParams(query).toString()}`, { token });
    if (reply.status !== 200) throw new Error(`GET events: ${reply.status} ${reply.text}`);
    return reply.body['items'] as unknown as AuditEntry[];
  };
  const trail = (token: string, id: string) => client.call('GET', `/api/v1/audit/events/${encodeURIComponent(id)}`, { token });

  beforeAll(async () => {
    dir = await tempDir('cube-e2e-trail');
    running = await startTestStack('trail', { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD, CUBE_HEARTBEAT_TIMEOUT: '10' }, log.push);
    await waitForStatus(`${running.stack.gatewayUrl}/readyz`, 200);
    adminToken = await client.token('admin', ADMIN_PASSWORD);

    // Register the member, then point its audit webhook at Cube with the token registration gave it
    // (the test server takes its webhook at start: restarted in place, same state, port and credentials).
    const stateFile = join(dir.path, 'member-a.json');
    member = await startKubeServer({ name: 'member-a', stateFile });
    const registered = await client.call('POST', '/api/v1/clusters', {
      token: adminToken,
      body: { name: 'member-a', kubeconfig: member.kubeconfig },
    });
    expect(registered.status).toBe(201);
    const secret = await direct(member, 'GET', '/api/v1/namespaces/cube-system/secrets/cube-audit-webhook');
    const auditToken = Buffer.from(String((secret.json['data'] as Json)['auditToken']), 'base64').toString();
    const port = Number(new URL(member.url).port);
    await member.stop();
    const tapHost = await tap.start();
    member = await startKubeServer({
      name: 'member-a',
      stateFile,
      port,
      auditWebhook: {
        url: `http://member-a:${auditToken}@${tapHost}/api/v1/audit/clusters/member-a/k8s`,
        batchMaxSize: 20,
        batchMaxWaitMs: 200,
      },
    });

    warden = await spawnWarden({ cluster: 'member-a', kubeconfig: member.kubeconfig, dir: dir.path, log: log.push });
    await eventually('member-a normal', 60_000, async () =>
      (await client.call('GET', '/api/v1/clusters/member-a', { token: adminToken })).body['status'] === 'normal' ? true : undefined,
    );

    for (const [name, password] of [
      ['alice', ALICE_PASSWORD],
      ['bob', BOB_PASSWORD],
    ] as const) {
      expect((await client.call('POST', '/api/v1/users', { token: adminToken, body: { name, password } })).status).toBe(201);
    }
    aliceToken = await client.token('alice', ALICE_PASSWORD);
    bobToken = await client.token('bob', BOB_PASSWORD);
    // alice's rights exist only in the member's RBAC.
    expect(
      (await direct(member, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } })).status,
    ).toBe(201);
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'alice-edit', namespace: 'team-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    };
    expect((await direct(member, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings', binding)).status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    if (process.env['CUBE_E2E_LOG']) await writeFile(process.env['CUBE_E2E_LOG'], log.all().join('\n'));
    if (warden && warden.exitCode === null) {
      const exited = new Promise((resolve) => warden?.once('exit', resolve));
      warden.kill('SIGKILL');
      await exited;
    }
    // The member first: its last audit batches still reach a running gateway.
    await member?.stop();
    await running?.stop();
    await tap.stop();
    await dir?.remove();
  });

  it("records a proxied write once on the platform and once in the member's own log, linked by the Cube request id", async () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'trail-settings' }, data: { colour: 'green' } };
    // A caller cannot name the Cube request (or any extra) itself: these never reach the member.
    const created = await proxy('POST', '/api/v1/namespaces/team-a/configmaps', aliceToken, configMap, {
      'Impersonate-Extra-Cube-Request-Id': 'forged-by-alice',
      'Impersonate-Extra-Scopes': 'admin',
    });
    expect(created.status).toBe(201);
    const requestId = created.headers.get('x-request-id');
    const auditId = created.headers.get('audit-id');
    expect(requestId).toBeTruthy();
    expect(auditId).toBeTruthy();

    // The member's own audit event, as its webhook sent it: the impersonated user carries the extra.
    const memberEvent = await eventually("the member's own audit event", 20_000, async () =>
      tap.events.find((event) => event.auditID === auditId && event.stage === 'ResponseComplete'),
    );
    expect(memberEvent).toMatchObject({
      verb: 'create',
      objectRef: { resource: 'configmaps', namespace: 'team-a', name: 'trail-settings' },
      impersonatedUser: { username: 'alice', extra: { 'cube-request-id': [requestId] } },
    });
    expect(Object.keys(memberEvent.impersonatedUser?.extra ?? {})).toEqual(['cube-request-id']);
    expect(memberEvent.user.username).not.toBe('alice');

    // Once as the platform record (the gateway's), once as the member's event: the same request.
    const records = await eventually('both records in the audit trail', 30_000, async () => {
      const found = (await events(adminToken, { cluster: 'member-a', resource: 'configmaps', verb: 'create', user: 'alice' })).filter(
        (entry) => entry.target.name === 'trail-settings',
      );
      return found.length >= 2 ? found : undefined;
    });
    const platform = records.filter((entry) => entry.requestId === requestId);
    const native = records.filter((entry) => entry.platformRequestId === requestId);
    expect(platform).toHaveLength(1);
    expect(native).toHaveLength(1);
    expect(records).toHaveLength(2);
    const [platformRecord] = platform;
    if (!platformRecord || !auditId) throw new Error('no platform record or no audit id');
    expect(platformRecord).not.toHaveProperty('platformRequestId');
    expect(native[0]).toMatchObject({ id: auditId, requestId: auditId, actor: { user: 'alice' } });

    // GET /audit/events/{id}: the platform record with the member's records of the same request, and back.
    const fromPlatform = await trail(adminToken, platformRecord.id);
    expect(fromPlatform.status).toBe(200);
    expect(fromPlatform.body['record']).toMatchObject({ id: platformRecord.id, requestId });
    expect((fromPlatform.body['linked'] as unknown as AuditEntry[]).map((entry) => [entry.id, entry.platformRequestId])).toEqual([
      [auditId, requestId],
    ]);
    const fromMember = await trail(adminToken, auditId);
    expect(fromMember.status).toBe(200);
    expect((fromMember.body['linked'] as unknown as AuditEntry[]).map((entry) => entry.id)).toEqual([platformRecord.id]);

    // The list's visibility: alice sees her own request's trail; bob may not see it, so to him it does not exist.
    const asAlice = await trail(aliceToken, platformRecord.id);
    expect(asAlice.status).toBe(200);
    expect((asAlice.body['linked'] as unknown as AuditEntry[]).map((entry) => entry.id)).toEqual([auditId]);
    const asBob = await trail(bobToken, platformRecord.id);
    expect(asBob.status).toBe(404);
    expect(asBob.body['code']).toBe('NOT_FOUND');
    expect((await trail(bobToken, auditId)).status).toBe(404);
    expect((await trail(adminToken, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await trail(adminToken, 'bad id')).status).toBe(400);
  });

  it('names the Cube request on reads and watches too, each request its own', async () => {
    const read = await proxy('GET', '/api/v1/namespaces/team-a/configmaps/trail-settings', aliceToken);
    expect(read.status).toBe(200);
    const watch = await proxy('GET', '/api/v1/namespaces/team-a/configmaps?watch=1&timeoutSeconds=1', aliceToken);
    expect(watch.status).toBe(200);
    const ids = [read, watch].map((reply) => reply.headers.get('x-request-id'));
    expect(new Set(ids).size).toBe(2);
    for (const reply of [read, watch]) {
      const auditId = reply.headers.get('audit-id');
      const event = await eventually(`the member's event of ${reply.headers.get('x-request-id')}`, 20_000, async () =>
        tap.events.find((candidate) => candidate.auditID === auditId),
      );
      expect(event.impersonatedUser?.extra).toEqual({ 'cube-request-id': [reply.headers.get('x-request-id')] });
    }
  });

  it("names the tenant and project of a Cube namespace too, in the member's own audit event", async () => {
    if (!member) throw new Error('no member');
    await makeTenant(client, adminToken, 'acme');
    expect((await client.call('POST', '/api/v1/tenants/acme/projects', { token: adminToken, body: { name: 'web' } })).status).toBe(201);
    const made = await client.call('POST', '/api/v1/tenants/acme/projects/web/namespaces', {
      token: adminToken,
      body: { name: 'acme-web', cluster: 'member-a' },
    });
    expect(made.status).toBe(201);
    const running = member;
    // Warden makes the namespace in the member; alice's rights there are the member's own again.
    await eventually('acme-web in the member', 30_000, async () =>
      (await direct(running, 'GET', '/api/v1/namespaces/acme-web')).status === 200 ? true : undefined,
    );
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'alice-edit', namespace: 'acme-web' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    };
    expect((await direct(running, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/acme-web/rolebindings', binding)).status).toBe(
      201,
    );

    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'placed' }, data: { k: 'v' } };
    const created = await proxy('POST', '/api/v1/namespaces/acme-web/configmaps', aliceToken, configMap);
    expect(created.status).toBe(201);
    const auditId = created.headers.get('audit-id');
    const event = await eventually("the member's own audit event", 20_000, async () =>
      tap.events.find((candidate) => candidate.auditID === auditId && candidate.stage === 'ResponseComplete'),
    );
    expect(event.impersonatedUser?.extra).toEqual({
      'cube-request-id': [created.headers.get('x-request-id')],
      'cube-tenant': ['acme'],
      'cube-project': ['web'],
    });
  });
});
