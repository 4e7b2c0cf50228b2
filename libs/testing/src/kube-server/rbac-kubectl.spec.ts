// The machine's real kubectl against RBAC and impersonation: --as/--as-group, auth can-i, refusals.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserInfo } from './pipeline';
import { KubeServer, startKubeServer } from './server';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

describe('kubectl with RBAC and impersonation', () => {
  let server: KubeServer;
  let dir: string;

  /** Runs kubectl; resolves with exit code and output (auth can-i answers "no" with exit code 1). */
  function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        KUBECTL,
        ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args],
        { timeout: 30_000 },
        (err, stdout, stderr) =>
          resolve({
            code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
            stdout,
            stderr,
          }),
      );
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rbac-kubectl-'));
    const bob: UserInfo = { username: 'bob', groups: ['system:authenticated'] };
    server = await startKubeServer({
      name: 'rbac-kubectl',
      kubeconfigPath: join(dir, 'kubeconfig'),
      authenticator: async (req) => {
        const h = req.headers.authorization ?? '';
        if (h === `Bearer ${server.adminToken}`)
          return {
            username: 'kubernetes-admin',
            groups: ['system:masters', 'system:authenticated'],
          };
        return h === 'Bearer bob-token' ? bob : undefined;
      },
    });
    expect((await run('create', 'namespace', 'team-a')).code).toBe(0);
  });

  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses alice the pods of team-a, then allows them after a RoleBinding to view', async () => {
    const refused = await run('--as=alice', 'get', 'pods', '-n', 'team-a');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'Error from server (Forbidden): pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "team-a"\n',
    );
    const bound = await run('create', 'rolebinding', 'alice-view', '--clusterrole=view', '--user=alice', '-n', 'team-a');
    expect(bound.stdout).toBe('rolebinding.rbac.authorization.k8s.io/alice-view created\n');
    const allowed = await run('--as=alice', 'get', 'pods', '-n', 'team-a');
    expect(allowed).toMatchObject({
      code: 0,
      stderr: 'No resources found in team-a namespace.\n',
    });
  });

  it('answers auth can-i yes and no, and lists the rules', async () => {
    expect(await run('auth', 'can-i', 'list', 'pods', '-n', 'team-a', '--as=alice')).toMatchObject({ code: 0, stdout: 'yes\n' });
    expect(await run('auth', 'can-i', 'get', 'secrets', '-n', 'team-a', '--as=alice')).toMatchObject({ code: 1, stdout: 'no\n' });
    expect(await run('auth', 'can-i', 'delete', 'nodes')).toMatchObject({
      code: 0,
      stdout: 'yes\n',
    });
    const list = await run('auth', 'can-i', '--list', '-n', 'team-a', '--as=alice');
    expect(list.code).toBe(0);
    const lines = list.stdout.split('\n');
    expect(lines[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    expect(lines).toContainEqual(expect.stringMatching(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/));
    expect(lines).toContainEqual(expect.stringMatching(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\s+\[\/api\/\*\]\s+\[\]\s+\[get\]$/));
  });

  it('impersonates groups with --as-group', async () => {
    expect((await run('--as=dave', '--as-group=team-a-devs', 'get', 'deployments', '-n', 'team-a')).code).toBe(1);
    await run('create', 'rolebinding', 'devs-edit', '--clusterrole=edit', '--group=team-a-devs', '-n', 'team-a');
    const created = await run('--as=dave', '--as-group=team-a-devs', 'create', 'deployment', 'web', '--image=nginx', '-n', 'team-a');
    expect(created).toMatchObject({
      code: 0,
      stdout: 'deployment.apps/web created\n',
    });
    expect(await run('auth', 'can-i', 'create', 'roles', '-n', 'team-a', '--as=dave', '--as-group=team-a-devs')).toMatchObject({
      stdout: 'no\n',
    });
  });

  it('refuses impersonation to a user without the impersonate verb', async () => {
    const r = await run('--token=bob-token', '--as=alice', 'get', 'pods', '-n', 'team-a');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error from server (Forbidden): users "alice" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope\n',
    );
  });
});
