// Start-up, CLI, persistence and the HTTP edges of the server.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startKubeServer } from './server';
import { rawRequest } from './testing/http-client';

describe('kube-server', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kube-server-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts from the CLI, prints its URL and writes an admin kubeconfig', async () => {
    const kubeconfigPath = join(dir, 'member-a.kubeconfig');
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, 'main.ts'), '--port', '0', '--name', 'member-a', '--kubeconfig', kubeconfigPath],
      {
        cwd: join(__dirname, '../../../..'),
        // As `npm run kube-server` does: the workspace's path mapping resolves the @cube/* libraries.
        env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.base.json' },
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /^(https:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
          if (m && out.includes('kubeconfig written')) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const kc = parse(readFileSync(kubeconfigPath, 'utf8')) as {
        clusters: {
          cluster: { server: string; 'certificate-authority-data': string };
        }[];
        users: { user: { token: string } }[];
        'current-context': string;
      };
      expect(kc.clusters[0].cluster.server).toBe(url);
      expect(kc['current-context']).toBe('member-a');
      const caCert = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
      const res = await rawRequest({ url, caCert, adminToken: kc.users[0].user.token }, { path: '/api/v1/namespaces/default' });
      expect(res.status).toBe(200);
    } finally {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('keeps objects, certificates and the token across restarts with a state file', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await startKubeServer({ name: 'persisted', stateFile });
    const t = first.registry.findAnyVersion('', 'configmaps');
    if (!t) throw new Error('no configmaps');
    const created = await first.api.create(
      t,
      'default',
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kept' },
        data: { a: 'b' },
      },
      { manager: 'test', user: { username: 'x', groups: [] } },
    );
    await first.stop();
    const second = await startKubeServer({ name: 'persisted', stateFile });
    try {
      expect(second.adminToken).toBe(first.adminToken);
      expect(second.caCert).toBe(first.caCert);
      const res = await rawRequest(second, {
        path: '/api/v1/namespaces/default/configmaps/kept',
      });
      expect(res.json()).toMatchObject({
        metadata: {
          uid: created.metadata.uid,
          resourceVersion: created.metadata.resourceVersion,
        },
        data: { a: 'b' },
      });
      const next = await second.api.create(
        t,
        'default',
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later' } },
        { manager: 'test', user: { username: 'x', groups: [] } },
      );
      expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    } finally {
      await second.stop();
    }
  });

  describe('HTTP edges', () => {
    let server: Awaited<ReturnType<typeof startKubeServer>>;
    beforeAll(async () => (server = await startKubeServer({ name: 'edges' })));
    afterAll(() => server.stop());

    it('answers unknown paths with a NotFound Status', async () => {
      const res = await rawRequest(server, {
        path: '/apis/nope.example.com/v1/things',
      });
      expect({ status: res.status, body: res.json() }).toEqual({
        status: 404,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'the server could not find the requested resource',
          reason: 'NotFound',
          details: {},
          code: 404,
        },
      });
    });

    it('reads percent-escaped names as the apiserver does (client-node escapes `:` in cube:member)', async () => {
      const role = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'cube:escaped' },
        rules: [],
      };
      const applied = await rawRequest(server, {
        method: 'PATCH',
        path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/cube%3Aescaped?fieldManager=test&force=true',
        headers: { 'Content-Type': 'application/apply-patch+yaml' },
        body: JSON.stringify(role),
      });
      expect(applied.status).toBe(201);
      const got = await rawRequest(server, {
        path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/cube%3aescaped',
      });
      expect((got.json() as { metadata: { name: string } }).metadata.name).toBe('cube:escaped');
    });

    it('refuses a request without a token', async () => {
      const res = await rawRequest(server, {
        path: '/api/v1/namespaces',
        token: null,
      });
      expect(res.status).toBe(401);
    });

    it('serves /version and health without a token, like system:public-info-viewer', async () => {
      expect((await rawRequest(server, { path: '/version', token: null })).status).toBe(200);
      expect((await rawRequest(server, { path: '/readyz', token: null })).text).toBe('ok');
    });

    it('refuses a verb the resource does not support', async () => {
      const res = await rawRequest(server, {
        method: 'DELETE',
        path: '/api/v1/componentstatuses/x',
      });
      expect(res.status).toBe(405);
    });

    it('answers a watch from a future resourceVersion with a Timeout ERROR event', async () => {
      const rv = server.api.store.resourceVersion + 100;
      const res = await rawRequest(server, {
        path: `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&timeoutSeconds=1`,
      });
      expect(JSON.parse(res.text)).toEqual({
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `Timeout: Too large resource version: ${rv}, current: ${server.api.store.resourceVersion}`,
          reason: 'Timeout',
          details: {
            causes: [
              {
                reason: 'ResourceVersionTooLarge',
                message: 'Too large resource version',
              },
            ],
            retryAfterSeconds: 1,
          },
          code: 504,
        },
      });
    });

    it('sends initial events then a bookmark marking their end', async () => {
      const res = await rawRequest(server, {
        path: '/api/v1/namespaces?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1',
      });
      const events = res.text
        .trim()
        .split('\n')
        .map(
          (l) =>
            JSON.parse(l) as {
              type: string;
              object: {
                metadata: {
                  name?: string;
                  annotations?: Record<string, string>;
                };
              };
            },
        );
      expect(events.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name)).toEqual([
        'default',
        'kube-node-lease',
        'kube-public',
        'kube-system',
      ]);
      expect(events[4]).toMatchObject({
        type: 'BOOKMARK',
        object: {
          metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } },
        },
      });
    });

    it('lists as a Table with the printer columns of pods', async () => {
      const res = await rawRequest(server, {
        path: '/api/v1/namespaces',
        headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
      });
      const table = res.json() as {
        kind: string;
        columnDefinitions: { name: string }[];
        rows: { cells: unknown[] }[];
      };
      expect(table.kind).toBe('Table');
      expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Status', 'Age']);
      expect(table.rows[0].cells.slice(0, 2)).toEqual(['default', 'Active']);
    });
  });
});

describe('the scale subresource', () => {
  it('reads a Scale with no spec.replicas as 0, as the int32 it omits (client-go scales to 0 that way)', async () => {
    const server = await startKubeServer({ name: 'scale' });
    try {
      const path = '/apis/apps/v1/namespaces/default/deployments';
      const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'nginx' }] },
          },
        },
      };
      const json = { 'Content-Type': 'application/json' };
      expect(
        (
          await rawRequest(server, {
            method: 'POST',
            path,
            headers: json,
            body: JSON.stringify(deployment),
          })
        ).status,
      ).toBe(201);
      const scale = (await rawRequest(server, { path: `${path}/web/scale` })).json() as {
        spec: Record<string, unknown>;
      };
      expect(scale.spec).toEqual({ replicas: 2 });
      const zero = await rawRequest(server, {
        method: 'PUT',
        path: `${path}/web/scale`,
        headers: json,
        body: JSON.stringify({ ...scale, spec: {} }),
      });
      expect(zero.status).toBe(200);
      expect((zero.json() as { spec: unknown }).spec).toEqual({});
      const after = (await rawRequest(server, { path: `${path}/web` })).json() as {
        spec: { replicas: number };
      };
      expect(after.spec.replicas).toBe(0);
    } finally {
      await server.stop();
    }
  });
});
