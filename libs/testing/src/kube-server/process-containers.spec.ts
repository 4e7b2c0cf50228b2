// The test-only runtime that runs chosen images' shells as local processes (CloudShell e2e), driven
// by the machine's real kubectl as any exec is.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ADMIN_USER, KubeServer, startKubeServer } from './server';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const IMAGE = 'example/toolbox:1';

describe('process-backed containers', () => {
  let server: KubeServer;
  let dir: string;
  let kubeconfig: string;

  const kubectl = (args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = execFile(
        KUBECTL,
        ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
        { timeout: 30_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
      );
      child.stdin?.end(stdin);
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'process-containers-spec-'));
    server = await startKubeServer({ name: 'process-spec', processImages: { [IMAGE]: { shell: '/bin/bash', path: [dirname(KUBECTL)] } } });
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, server.kubeconfig);
    const create = async (resource: string, body: Record<string, unknown>) => {
      const type = server.registry.findAnyVersion('', resource);
      if (!type) throw new Error(`no ${resource}`);
      await server.api.create(type, 'default', body as never, { manager: 'process-spec', user: ADMIN_USER });
    };
    await create('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'files' },
      data: { config: Buffer.from('apiVersion: v1\n').toString('base64') },
    });
    await create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'toolbox' },
      spec: {
        containers: [
          {
            name: 'main',
            image: IMAGE,
            command: ['sleep', '3600'],
            env: [
              { name: 'GREETING', value: 'hello' },
              { name: 'CONFIG', value: '/etc/files/config' },
            ],
            volumeMounts: [{ name: 'files', mountPath: '/etc/files' }],
          },
          { name: 'plain', image: 'busybox', command: ['sleep', '3600'] },
        ],
        volumes: [{ name: 'files', secret: { secretName: 'files' } }],
      },
    });
    await server.settled();
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs the image's bash as a local process with the container's env, its Secret files and kubectl on the PATH", async () => {
    const run = await kubectl([
      'exec',
      'toolbox',
      '-c',
      'main',
      '--',
      'bash',
      '-c',
      'echo "$GREETING"; cat "$CONFIG"; command -v kubectl; echo "$HOSTNAME"',
    ]);
    expect(run).toEqual({ code: 0, stdout: `hello\napiVersion: v1\n${KUBECTL}\ntoolbox\n`, stderr: '' });
  });

  it("reports the process's exit status and feeds it stdin", async () => {
    expect((await kubectl(['exec', 'toolbox', '-c', 'main', '--', 'bash', '-c', 'exit 7'])).code).toBe(7);
    expect(
      (await kubectl(['exec', '-i', 'toolbox', '-c', 'main', '--', 'bash', '-c', 'read line; echo "got $line"'], 'typed\n')).stdout,
    ).toBe('got typed\n');
  });

  it('leaves containers of other images to the built-in shell', async () => {
    const run = await kubectl(['exec', 'toolbox', '-c', 'plain', '--', 'sh', '-c', 'command -v kubectl || echo none']);
    expect(run.stdout).not.toContain(KUBECTL);
  });
});
