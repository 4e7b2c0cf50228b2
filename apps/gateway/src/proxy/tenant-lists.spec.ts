import { createServer, IncomingMessage, request as httpRequest, Server } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Namespace } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { until } from '@cube/messaging/testing';
import { KubeServer, startKubeServer } from '@cube/testing';
import { CredentialVerifier } from '../authn/credential-verifier';
import { GatewayEnvironment } from '../config/gateway-environment';
import { ClusterConnections, ProxyTarget } from './cluster-connections';
import { KubeApiProxy } from './kube-api-proxy';
import { ProxyBus } from './proxy-bus';
import { decodeContinue, decodeVersions } from './tenant-list-merge';
import { TenantLists } from './tenant-lists';

interface Reply {
  status: number;
  text: string;
  body: Record<string, unknown>;
}

const PREFIX = '/api/v1/proxy/clusters/member-a';

/**
 * The proxy's tenant-wide lists against the Kubernetes API test server: alice may read configmaps in
 * ns-a and ns-b (RoleBindings, as Warden writes them) and nothing cluster-wide; tenancy lets her see
 * ns-a, ns-b and ns-c (where the member grants her nothing) but not ns-other.
 */
describe('tenant-wide lists through the proxy', () => {
  let member: KubeServer;
  let agent: Agent;
  let gateway: Server;
  let port: number;
  let visible: string[];

  /** A request to the member as its admin (optionally as alice, impersonated). */
  const direct = (method: string, path: string, body?: unknown, asAlice = false): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(
        `${member.url}${path}`,
        {
          method,
          ca: member.caCert,
          headers: {
            authorization: `Bearer ${member.adminToken}`,
            'content-type': 'application/json',
            ...(asAlice ? { 'impersonate-user': 'alice', 'impersonate-group': ['dev', 'system:authenticated'] } : {}),
          },
        },
        (res) => collect(res).then(resolve, reject),
      );
      req.once('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });

  const viaProxy = (path: string, headers: Record<string, string> = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        `http://127.0.0.1:${port}${PREFIX}${path}`,
        { headers: { authorization: 'Bearer alice-jwt', ...headers } },
        (res) => collect(res).then(resolve, reject),
      );
      req.once('error', reject);
      req.end();
    });

  /** A watch through the proxy: its events as they come, and a way to stop it. */
  const watchViaProxy = (path: string) => {
    const events: { type: string; object: Record<string, unknown> }[] = [];
    let status = 0;
    const req = httpRequest(`http://127.0.0.1:${port}${PREFIX}${path}`, { headers: { authorization: 'Bearer alice-jwt' } }, (res) => {
      status = res.statusCode ?? 0;
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
          events.push(JSON.parse(pending.slice(0, newline)) as (typeof events)[number]);
          pending = pending.slice(newline + 1);
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', () => undefined);
    req.end();
    return { events, status: () => status, stop: () => req.destroy() };
  };

  const configMap = (namespace: string, name: string, labels: Record<string, string> = {}) =>
    direct('POST', `/api/v1/namespaces/${namespace}/configmaps`, { metadata: { name, namespace, labels }, data: { k: 'v' } });

  /** `namespace/name` of each item or row. */
  const names = (body: Record<string, unknown>) =>
    ((body['kind'] === 'Table' ? body['rows'] : body['items']) as { object?: { metadata: ObjectMeta }; metadata?: ObjectMeta }[]).map(
      (entry) => {
        const metadata = (entry.object?.metadata ?? entry.metadata) as ObjectMeta;
        return `${metadata.namespace ?? ''}/${metadata.name}`;
      },
    );

  beforeAll(async () => {
    member = await startKubeServer({ name: 'member-a', bookmarkIntervalMs: 200 });
    for (const namespace of ['ns-a', 'ns-b', 'ns-c', 'ns-other']) {
      expect((await direct('POST', '/api/v1/namespaces', { metadata: { name: namespace, labels: { team: namespace } } })).status).toBe(201);
    }
    expect(
      (
        await direct('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
          metadata: { name: 'reader' },
          rules: [{ apiGroups: [''], resources: ['configmaps', 'namespaces'], verbs: ['get', 'list', 'watch'] }],
        })
      ).status,
    ).toBe(201);
    for (const namespace of ['ns-a', 'ns-b']) {
      const binding = {
        metadata: { name: 'alice-reads', namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
      };
      expect((await direct('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, binding)).status).toBe(201);
    }
    for (const [namespace, name] of [
      ['ns-a', 'a1'],
      ['ns-a', 'a2'],
      ['ns-a', 'a3'],
      ['ns-b', 'b1'],
      ['ns-c', 'c1'],
      ['ns-other', 'o1'],
    ]) {
      expect((await configMap(namespace ?? '', name ?? '', { app: name === 'a2' || name === 'b1' ? 'x' : 'y' })).status).toBe(201);
    }
    visible = ['ns-c', 'ns-b', 'ns-a'];

    agent = new Agent({ keepAlive: true, ca: member.caCert });
    const target: ProxyTarget = {
      name: 'member-a',
      status: 'normal',
      server: new URL(member.url),
      agent,
      authorization: `Bearer ${member.adminToken}`,
      fingerprint: 'f',
    };
    const connections = { target: async () => target, cached: () => target } as unknown as ClusterConnections;
    const verifier = {
      verifyAccessToken: async () => ({ name: 'alice', groups: ['dev'] }),
      cachedPrincipal: () => ({ name: 'alice', groups: ['dev'] }),
    } as unknown as CredentialVerifier;
    // Tenancy's answer: the namespaces alice sees (in any order; one of another cluster).
    const tenancy = {
      request: async (_subject: string, envelope: { actor: { name: string }; payload: { cluster?: string } }) => {
        expect(envelope.actor.name).toBe('alice');
        expect(envelope.payload.cluster).toBe('member-a');
        const items = [...visible.map((name) => ({ name, cluster: 'member-a' })), { name: 'ns-a', cluster: 'member-b' }] as Namespace[];
        return { items: items.filter((item) => item.cluster === envelope.payload.cluster), nextCursor: null };
      },
    } as unknown as ServiceRequester;
    const bus = { auditReady: true, audit: async () => undefined } as unknown as ProxyBus;
    const env = { CUBE_PROXY_MAX_BODY_BYTES: 1 << 20, CUBE_PROXY_AUDIT_READS: false } as GatewayEnvironment;
    const proxy = new KubeApiProxy(verifier, connections, bus, env, new TenantLists(tenancy));
    gateway = createServer((req, res) => void proxy.handle(req, res, 'request-1', true));
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    port = (gateway.address() as AddressInfo).port;
  }, 60_000);

  afterAll(async () => {
    gateway.closeAllConnections();
    await new Promise((resolve) => gateway.close(resolve));
    agent.destroy();
    await member.stop();
  });

  it('answers a refused cluster-wide list with the visible namespaces the member allows, in its order', async () => {
    expect((await direct('GET', '/api/v1/configmaps', undefined, true)).status).toBe(403);
    const list = await viaProxy('/api/v1/configmaps');
    expect(list.status).toBe(200);
    expect(list.body['kind']).toBe('ConfigMapList');
    expect(list.body['apiVersion']).toBe('v1');
    // ns-c is visible but the member refuses alice there: left out; ns-other is not hers.
    const expected = [...((await direct('GET', '/api/v1/namespaces/ns-a/configmaps')).body['items'] as { metadata: ObjectMeta }[])]
      .concat((await direct('GET', '/api/v1/namespaces/ns-b/configmaps')).body['items'] as { metadata: ObjectMeta }[])
      .map((item) => `${item.metadata.namespace}/${item.metadata.name}`);
    expect(names(list.body)).toEqual(expected);
    expect(names(list.body)).toContain('ns-a/a2');
    const versions = decodeVersions(String((list.body['metadata'] as Record<string, unknown>)['resourceVersion']));
    expect(Object.keys('each' in versions ? versions.each : {})).toEqual(['ns-a', 'ns-b']);
  });

  it('answers a Table with the member’s columns and honours a label selector', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    const table = await viaProxy('/api/v1/configmaps?labelSelector=app%3Dx', { accept });
    expect(table.status).toBe(200);
    expect(table.body['kind']).toBe('Table');
    const own = await direct('GET', '/api/v1/namespaces/ns-a/configmaps', undefined);
    expect(own.status).toBe(200);
    expect((table.body['columnDefinitions'] as { name: string }[]).map((column) => column.name)).toEqual(['Name', 'Data', 'Age']);
    expect(names(table.body)).toEqual(['ns-a/a2', 'ns-b/b1']);
  });

  it('pages with limit and its own continue across namespaces, to the same items', async () => {
    const whole = names((await viaProxy('/api/v1/configmaps')).body);
    const paged: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await viaProxy(`/api/v1/configmaps?limit=2${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
      expect(page.status).toBe(200);
      const items = names(page.body);
      expect(items.length).toBeLessThanOrEqual(2);
      paged.push(...items);
      token = (page.body['metadata'] as { continue?: string }).continue;
      if (token) expect(decodeContinue(token).namespace).toMatch(/^ns-[abc]$/);
      // A page ending where a namespace does leaves the next one to the next page, even one the member refuses.
      if (items.length === 0) expect(page.body['kind']).toBe('ConfigMapList');
      pages++;
    } while (token && pages < 20);
    expect(paged).toEqual(whole);
    expect(pages).toBeGreaterThan(2);
  });

  it('refuses a continue token it did not issue with a 400 Status', async () => {
    const answer = await viaProxy('/api/v1/configmaps?limit=2&continue=bm9wZQ');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
  });

  it('lists namespaces: the visible ones the member lets alice get, selectors applied', async () => {
    const list = await viaProxy('/api/v1/namespaces');
    expect(list.status).toBe(200);
    expect(list.body['kind']).toBe('NamespaceList');
    expect(names(list.body)).toEqual(['/ns-a', '/ns-b']);
    expect((list.body['items'] as Record<string, unknown>[])[0]).not.toHaveProperty('kind');
    const selected = await viaProxy('/api/v1/namespaces?labelSelector=team%20in%20(ns-b,ns-c)', {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    expect(selected.body['kind']).toBe('Table');
    expect(names(selected.body)).toEqual(['/ns-b']);
    const none = await viaProxy('/api/v1/namespaces?labelSelector=team%3Dns-other', {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    expect(none.body).toMatchObject({ kind: 'Table', rows: [] });
    expect((none.body['columnDefinitions'] as { name: string }[]).map((column) => column.name)).toEqual(['Name', 'Status', 'Age']);
    // A metadata.name field selector makes it a request for one name (requestinfo.go): still answered.
    expect(names((await viaProxy('/api/v1/namespaces?fieldSelector=metadata.name%3Dns-b')).body)).toEqual(['/ns-b']);
    expect(names((await viaProxy('/api/v1/configmaps?fieldSelector=metadata.name%3Db1')).body)).toEqual(['ns-b/b1']);
    const first = await viaProxy('/api/v1/namespaces?limit=1');
    expect(names(first.body)).toEqual(['/ns-a']);
    const token = String((first.body['metadata'] as { continue?: string }).continue);
    expect(names((await viaProxy(`/api/v1/namespaces?limit=1&continue=${token}`)).body)).toEqual(['/ns-b']);
  });

  it('merges one watch per namespace, with bookmarks of its own that a later watch resumes from', async () => {
    const list = await viaProxy('/api/v1/configmaps');
    const listVersion = String((list.body['metadata'] as Record<string, unknown>)['resourceVersion']);
    const watch = watchViaProxy(`/api/v1/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(listVersion)}`);
    await until('the merged watch answered', () => watch.status() === 200);
    await configMap('ns-other', 'not-hers');
    await configMap('ns-b', 'b2');
    await configMap('ns-a', 'a4');
    await until('two ADDED events', () => watch.events.filter((event) => event.type === 'ADDED').length >= 2);
    await until('a bookmark', () => watch.events.some((event) => event.type === 'BOOKMARK'));
    watch.stop();
    const added = watch.events.filter((event) => event.type === 'ADDED').map((event) => (event.object['metadata'] as ObjectMeta).name);
    // From the list's resourceVersion: only what came after it, and nothing of ns-other.
    expect(added.sort()).toEqual(['a4', 'b2']);
    const bookmark = watch.events.filter((event) => event.type === 'BOOKMARK').pop();
    const bookmarkVersion = String((bookmark?.object['metadata'] as ObjectMeta).resourceVersion);
    const decoded = decodeVersions(bookmarkVersion);
    expect('each' in decoded && Object.keys(decoded.each).sort()).toEqual(['ns-a', 'ns-b']);

    // Resumed from that bookmark: a change after it, and nothing replayed from before.
    const resumed = watchViaProxy(`/api/v1/configmaps?watch=1&resourceVersion=${encodeURIComponent(bookmarkVersion)}`);
    await until('the resumed watch answered', () => resumed.status() === 200);
    await configMap('ns-b', 'b3');
    await until('an event of the resumed watch', () => resumed.events.length >= 1);
    resumed.stop();
    expect(resumed.events.map((event) => `${event.type} ${(event.object['metadata'] as ObjectMeta).name}`)).toEqual(['ADDED b3']);
  });

  it('keeps the member’s 403 when every visible namespace refuses too, and for cluster-scoped resources', async () => {
    const secrets = await viaProxy('/api/v1/secrets');
    const own = await direct('GET', '/api/v1/secrets', undefined, true);
    expect(secrets.status).toBe(403);
    expect(secrets.text).toBe(own.text);
    const nodes = await viaProxy('/api/v1/nodes');
    expect(nodes.status).toBe(403);
    expect(nodes.text).toBe((await direct('GET', '/api/v1/nodes', undefined, true)).text);
    // Namespaces are not watched: even one by name is a cluster-scope right.
    expect((await viaProxy('/api/v1/namespaces?watch=1')).status).toBe(403);
  });

  it('leaves an allowed cluster-wide list to the member', async () => {
    visible = [];
    const binding = {
      metadata: { name: 'alice-reads-all' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
    };
    expect((await direct('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', binding)).status).toBe(201);
    const own = await direct('GET', '/api/v1/configmaps', undefined, true);
    const proxied = await viaProxy('/api/v1/configmaps');
    expect(proxied.status).toBe(200);
    expect(proxied.text).toBe(own.text);
  });
});

interface ObjectMeta {
  name: string;
  namespace?: string;
  resourceVersion?: string;
}

function collect(res: IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.once('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        // Not JSON: `text` has it.
      }
      resolve({ status: res.statusCode ?? 0, text, body });
    });
    res.once('error', reject);
  });
}
