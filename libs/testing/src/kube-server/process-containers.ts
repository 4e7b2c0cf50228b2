// Test-only: containers of chosen images run as real local processes instead of the built-in
// shell, so an end-to-end test can drive real programs in a pod (CloudShell: bash with kubectl).
// What a container sees is approximated on the host: its spec env, and its Secret volumes written
// under a private root folder, with every env value and path under a mount re-rooted there (a
// process cannot see /etc/... of a container it does not have). Never used by production code.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ObjectApi } from './object-api';
import { CommandIO } from './shell';
import { at, KubeObject } from './types';

/** An image whose exec runs `shell` as a local process with `path` prepended to PATH. */
export interface ProcessImage {
  /** The program an exec of the image's shells (`bash`, `/bin/bash`, `sh`, `/bin/sh`) runs, e.g. `/bin/bash`. */
  shell: string;
  /** Folders put first on the PATH (where the repository's kubectl is). */
  path?: string[];
}

const SHELLS = new Set(['bash', '/bin/bash', 'sh', '/bin/sh']);

type Container = Record<string, unknown>;

function containerSpec(pod: KubeObject, name: string): Container | undefined {
  return ((at(pod, 'spec', 'containers') as Container[] | undefined) ?? []).find((c) => c.name === name);
}

export function processImageOf(images: Record<string, ProcessImage>, pod: KubeObject, container: string): ProcessImage | undefined {
  const image = containerSpec(pod, container)?.['image'];
  return typeof image === 'string' ? images[image] : undefined;
}

/**
 * Runs an exec of `argv` in a process-backed container: the image's shell for its shells, with the
 * container's env and Secret files; stdin lines (already cooked by the TTY) are written to it, its
 * output goes back as the container's. Resolves to the exit status.
 */
export async function execInProcess(
  api: ObjectApi,
  image: ProcessImage,
  pod: KubeObject,
  container: string,
  argv: string[],
  io: CommandIO,
): Promise<number> {
  const [cmd, ...args] = argv;
  if (!cmd || !SHELLS.has(cmd)) {
    io.stderr(`exec: "${cmd ?? ''}": executable file not found in $PATH\n`);
    return 127;
  }
  const root = mkdtempSync(join(tmpdir(), `pod-${pod.metadata.name ?? 'x'}-`));
  try {
    const mounts = writeSecretVolumes(api, pod, container, root);
    const reroot = (value: string) => {
      for (const mountPath of mounts) if (value === mountPath || value.startsWith(`${mountPath}/`)) return join(root, value);
      return value;
    };
    const env: NodeJS.ProcessEnv = {};
    for (const e of (at(containerSpec(pod, container), 'env') ?? []) as Container[]) {
      if (typeof e['name'] === 'string' && e['valueFrom'] === undefined) env[e['name']] = reroot(String(e['value'] ?? ''));
    }
    const home = join(root, 'home');
    mkdirSync(home, { recursive: true });
    env['HOME'] = home;
    env['HOSTNAME'] = pod.metadata.name ?? '';
    env['TERM'] = 'dumb';
    env['PS1'] = '$ ';
    env['PATH'] = [...(image.path ?? []), process.env['PATH'] ?? '/usr/bin:/bin'].join(':');
    const child = spawn(image.shell, [...(args.length ? args : ['--noprofile', '--norc', '-i'])], {
      cwd: home,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => io.stdout(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => io.stderr(chunk.toString('utf8')));
    child.stdin.on('error', () => undefined);
    const exited = new Promise<number>((resolve) => child.once('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1))));
    const abort = () => child.kill('SIGKILL');
    io.signal.addEventListener('abort', abort, { once: true });
    void (async () => {
      for (;;) {
        const chunk = await io.stdin.read(io.signal);
        if (chunk === null) {
          child.stdin.end();
          return;
        }
        child.stdin.write(chunk);
      }
    })();
    try {
      return await exited;
    } finally {
      io.signal.removeEventListener('abort', abort);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Writes each Secret volume the container mounts under `root`; returns the mount paths. */
function writeSecretVolumes(api: ObjectApi, pod: KubeObject, container: string, root: string): string[] {
  const volumes = ((at(pod, 'spec', 'volumes') ?? []) as Container[]).filter((v) => typeof at(v, 'secret', 'secretName') === 'string');
  const mounts = (at(containerSpec(pod, container), 'volumeMounts') ?? []) as Container[];
  const secretType = api.registry.findAnyVersion('', 'secrets');
  const paths: string[] = [];
  for (const mount of mounts) {
    const volume = volumes.find((v) => v['name'] === mount['name']);
    const mountPath = mount['mountPath'];
    if (!volume || typeof mountPath !== 'string' || !secretType) continue;
    const secret = api.tryGet(secretType, pod.metadata.namespace, String(at(volume, 'secret', 'secretName')));
    const data = (secret?.['data'] ?? {}) as Record<string, string>;
    for (const [key, value] of Object.entries(data)) {
      const file = join(root, mountPath, key);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, Buffer.from(value, 'base64'), { mode: 0o400 });
    }
    paths.push(mountPath);
  }
  return paths;
}
