import { ChildProcess, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, LocalNatsServer } from '@cube/dev-stack';
import { createTestDatabase, eventually, gatewayClient, Json, LineLog, ROOT, tempDir, waitForStatus } from './support';

const KUBECTL = '/usr/bin/kubectl';
const CLUSTER = 'member-readme';

/** One of the README's commands, run as a user runs it: `npm …` in the repository, in its own process group. */
class Command {
  private readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static run(name: string, args: string[], env: NodeJS.ProcessEnv, log: LineLog): Command {
    const child = spawn('npm', args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const forward = (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((line) => log.push(`[${name}] ${line}`));
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    return new Command(child);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What Ctrl-C does in the terminal: the signal to the whole process group (npm, nx, the launcher, its children). */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
    if (this.running && this.child.pid) process.kill(-this.child.pid, signal);
    await this.exited;
  }
}

// Issue #14, Done when: the README's own commands, nothing made by hand. `npm start` (its state in
// CUBE_STATE_DIR, its gateway on PORT, this suite's database and NATS through DATABASE_URL/NATS_URL as
// the README allows), `npm run kube-server`, registration through the REST API with that kubeconfig,
// `npm run warden` → a namespace's quota reaches the cluster, kubectl cannot raise it beyond the
// tenant's quota (Warden's webhook, by URL) and a pod beyond the namespace quota is refused.
describe('the README flow: npm start, npm run kube-server, register, npm run warden', () => {
  const log = new LineLog();
  const commands: Command[] = [];
  let dir: { path: string; remove(): Promise<void> };
  let database: { url: string; drop(): Promise<void> };
  let nats: LocalNatsServer;
  let gatewayUrl: string;
  let kubeconfigFile: string;
  let adminToken: string;

  const client = gatewayClient(() => gatewayUrl);
  const call = (method: string, path: string, body?: unknown) => client.call(method, path, { token: adminToken, body });

  /** The real kubectl with the kubeconfig `npm run kube-server` wrote: the cluster admin of the README. */
  const kubectl = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(KUBECTL, ['--kubeconfig', kubeconfigFile, ...args], {
        env: { PATH: process.env['PATH'], HOME: dir.path },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });

  beforeAll(async () => {
    dir = await tempDir('cube-e2e-readme');
    database = await createTestDatabase('cube_e2e_readme');
    nats = await LocalNatsServer.start(dir.path);
    const port = await freePort();
    // What a user's shell has, plus the README's variables; nothing of this test runner's environment.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'] ?? dir.path,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      NX_TUI: 'false',
    };
    commands.push(
      Command.run(
        'npm start',
        ['start'],
        {
          ...env,
          CUBE_STATE_DIR: join(dir.path, 'state'),
          PORT: String(port),
          DATABASE_URL: database.url,
          NATS_URL: nats.url,
          CUBE_REQUEST_TIMEOUT_MS: '30000',
        },
        log,
      ),
    );
    kubeconfigFile = join(dir.path, `${CLUSTER}.kubeconfig`);
    const kubeServer = Command.run(
      'kube-server',
      ['run', 'kube-server', '--', '--port', '0', '--name', CLUSTER, '--kubeconfig', kubeconfigFile],
      env,
      log,
    );
    commands.push(kubeServer);
    await eventually('the kubeconfig npm run kube-server writes', 120_000, () =>
      readFile(kubeconfigFile, 'utf8').then((text) => (text ? true : undefined)),
    );

    gatewayUrl = `http://127.0.0.1:${port}`;
    await waitForStatus(`${gatewayUrl}/readyz`, 200, 1800);
    // The README's first login: the generated password in the state directory.
    const password = (await readFile(join(dir.path, 'state', 'admin-password'), 'utf8')).trim();
    // Secrets never reach logs: identity names the file, not the password.
    // (npm start writes JSON lines when not in a terminal: the quotes around admin arrive escaped.)
    await log.waitFor((line) => line.includes('with a generated password, written to'));
    expect(log.all().filter((line) => line.includes(password))).toEqual([]);
    adminToken = await client.token('admin', password);

    const registered = await call('POST', '/api/v1/clusters', { name: CLUSTER, kubeconfig: await readFile(kubeconfigFile, 'utf8') });
    expect(registered.status).toBe(201);
    commands.push(
      Command.run(
        'warden',
        ['run', 'warden', '--', '--cluster', CLUSTER, '--kubeconfig', kubeconfigFile, '--state-dir', join(dir.path, 'warden-state')],
        env,
        log,
      ),
    );
  }, 600_000);

  afterAll(async () => {
    if (process.env['CUBE_E2E_LOG']) await writeFile(process.env['CUBE_E2E_LOG'], log.all().join('\n'));
    for (const command of commands.reverse()) await command.stop();
    await nats?.stop();
    await database?.drop();
    await dir?.remove();
  });

  it('turns the registered cluster normal once Warden runs', async () => {
    await eventually(`${CLUSTER} normal`, 60_000, async () =>
      (await call('GET', `/api/v1/clusters/${CLUSTER}`)).body['status'] === 'normal' ? true : undefined,
    );
  });

  it("puts a namespace's quota into the cluster and lets neither kubectl nor a pod go beyond it", async () => {
    expect((await call('POST', '/api/v1/tenants', { name: 'acme' })).status).toBe(201);
    expect((await call('PUT', `/api/v1/tenants/acme/quotas/${CLUSTER}`, { hard: { 'requests.cpu': '2', pods: '4' } })).status).toBe(200);
    expect((await call('POST', '/api/v1/tenants/acme/projects', { name: 'web' })).status).toBe(201);
    const created = await call('POST', '/api/v1/tenants/acme/projects/web/namespaces', {
      name: 'acme-web',
      cluster: CLUSTER,
      quota: { hard: { 'requests.cpu': '1', pods: '2' } },
    });
    expect(created.status).toBe(201);

    // The ResourceQuota Warden applied, its status computed by the cluster's quota controller.
    const quota = await eventually('ResourceQuota acme-web/cube-quota with its status', 60_000, async () => {
      const got = await kubectl(['-n', 'acme-web', 'get', 'resourcequota', 'cube-quota', '-o', 'json']);
      const object = got.code === 0 ? (JSON.parse(got.stdout) as { spec: Json; status?: { hard?: Json } }) : undefined;
      return object?.status?.hard ? object : undefined;
    });
    expect(quota.spec['hard']).toEqual({ 'requests.cpu': '1', pods: '2' });

    // The cluster admin's own kubectl, beyond what the tenant has free: Warden's webhook refuses it.
    const raised = await kubectl([
      '-n',
      'acme-web',
      'patch',
      'resourcequota',
      'cube-quota',
      '--type',
      'merge',
      '-p',
      '{"spec":{"hard":{"requests.cpu":"3"}}}',
    ]);
    expect(raised.code).not.toBe(0);
    expect(raised.stderr).toContain('admission webhook "resourcequotas.warden.cube.io" denied the request');
    expect(raised.stderr).toContain('requests.cpu');
    const after = await kubectl(['-n', 'acme-web', 'get', 'resourcequota', 'cube-quota', '-o', 'jsonpath={.spec.hard.requests\\.cpu}']);
    expect(after.stdout).toBe('1');

    // A pod asking for more CPU than the namespace quota: the cluster's quota admission refuses it.
    const podFile = join(dir.path, 'big-pod.json');
    await writeFile(
      podFile,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'big', namespace: 'acme-web' },
        spec: { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '1500m' } } }] },
      }),
    );
    const pod = await kubectl(['create', '-f', podFile]);
    expect(pod.code).not.toBe(0);
    expect(pod.stderr).toContain('exceeded quota: cube-quota');
  });
});
