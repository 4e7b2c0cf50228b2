// pods/exec, attach, log and portforward, driven by the machine's real kubectl (WebSocket first, as
// kubectl ≥ 1.31 does), by @kubernetes/client-node and by a raw WebSocket client for the protocol.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Exec, KubeConfig, Log, V1Status } from '@kubernetes/client-node';
// Not re-exported by the package index; its socket factory lets a test pick the offered protocols.
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import { ADMIN_USER, KubeServer, startKubeServer } from './server';
import { rawRequest } from './testing/http-client';
import { KubeObject } from './types';
import { until } from '@cube/messaging/testing';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('pod streams', () => {
  let server: KubeServer;
  let dir: string;
  let kubeconfig: string;

  function kubectl(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<Result> {
    return new Promise((resolve) => {
      const child = execFile(
        KUBECTL,
        ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
        { timeout: 30_000, env: { ...process.env, ...opts.env } },
        (err, stdout, stderr) =>
          resolve({
            code: err ? (typeof err.code === 'number' ? err.code : -1) : 0,
            stdout,
            stderr,
          }),
      );
      if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
      else child.stdin?.end();
    });
  }

  async function createPod(name: string, containers: Record<string, unknown>[]): Promise<KubeObject> {
    const type = server.registry.findAnyVersion('', 'pods');
    if (!type) throw new Error('no pods');
    const pod = await server.api.create(
      type,
      'default',
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { containers },
      },
      { manager: 'streams-spec', user: ADMIN_USER },
    );
    await server.settled();
    return pod;
  }

  /** A raw WebSocket to a pod subresource: the socket once open, or the refused response. */
  function openSocket(
    path: string,
    protocols: string[],
    on: Pick<KubeServer, 'url' | 'caCert' | 'adminToken'> = server,
  ): Promise<{ ws: WebSocket; messages: Buffer[]; closed: Promise<void> } | { status: number; body: string }> {
    const url = on.url.replace('https://', 'wss://') + path;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, {
        ca: on.caCert,
        headers: on.adminToken ? { Authorization: `Bearer ${on.adminToken}` } : {},
      });
      const messages: Buffer[] = [];
      const closed = new Promise<void>((r) => ws.on('close', () => r()));
      ws.on('message', (d: Buffer) => messages.push(d));
      ws.on('open', () => resolve({ ws, messages, closed }));
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('error', reject);
    });
  }

  function clientConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig);
    return kc;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'streams-spec-'));
    kubeconfig = join(dir, 'kubeconfig');
    server = await startKubeServer({
      name: 'streams',
      kubeconfigPath: kubeconfig,
    });
    await createPod('web', [
      {
        name: 'app',
        image: 'busybox',
        command: ['sh', '-c', 'echo started; echo ready >&2; sleep 3600'],
        env: [{ name: 'GREETING', value: 'hello from web' }],
      },
    ]);
    await createPod('two', [
      { name: 'a', image: 'busybox' },
      { name: 'b', image: 'busybox' },
    ]);
  });

  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('kubectl exec', () => {
    it('prints what the command writes', async () => {
      expect(await kubectl(['exec', 'web', '--', 'echo', 'hi'])).toEqual({
        code: 0,
        stdout: 'hi\n',
        stderr: '',
      });
    });

    it('exits with the command’s exit code and kube’s message', async () => {
      const r = await kubectl(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('out\n');
      expect(r.stderr).toBe('err\ncommand terminated with exit code 3\n');
    });

    it('passes piped stdin to the command until end of file (v5 close)', async () => {
      expect(await kubectl(['exec', '-i', 'web', '--', 'cat'], { stdin: 'x\ny\n' })).toEqual({ code: 0, stdout: 'x\ny\n', stderr: '' });
    });

    it('gives the container its environment and files', async () => {
      const r = await kubectl(['exec', 'web', '--', 'sh', '-c', 'echo $GREETING; hostname; cat /etc/resolv.conf']);
      expect(r.stdout).toBe(
        'hello from web\nweb\nsearch default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n',
      );
    });

    it('reports a binary the image lacks as the runtime does', async () => {
      const r = await kubectl(['exec', 'web', '--', 'nginx', '-v']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "nginx": executable file not found in \$PATH: unknown\n$/,
      );
    });

    it('refuses a container the pod does not have, and a missing pod', async () => {
      const r = await kubectl(['exec', 'two', '-c', 'nope', '--', 'true']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('Error from server (BadRequest): container nope is not valid for pod two\n');
      const missing = await kubectl(['exec', 'ghost', '--', 'true']);
      expect(missing.stderr).toBe('Error from server (NotFound): pods "ghost" not found\n');
    });

    it('names SPDY as unsupported when kubectl is told not to use WebSockets', async () => {
      const r = await kubectl(['exec', 'web', '--', 'true'], {
        env: { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' },
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Error from server (BadRequest): SPDY/3.1 is not supported');
    });

    it('runs an interactive shell on a terminal (kubectl exec -it under tmux)', async () => {
      const socket = `cube-streams-${process.pid}`;
      const tmux = (...args: string[]) =>
        new Promise<string>((resolve, reject) =>
          execFile('tmux', ['-L', socket, ...args], (err, out) => (err ? reject(err) : resolve(out))),
        );
      const screen = () => tmux('capture-pane', '-p', '-t', 'exec');
      const showing = (text: string) =>
        until(`"${text}" on the terminal`, async () => ((await screen()).includes(text) ? true : undefined));
      await tmux(
        'new-session',
        '-d',
        '-x',
        '120',
        '-y',
        '40',
        '-s',
        'exec',
        `${KUBECTL} --kubeconfig ${kubeconfig} --cache-dir ${join(dir, 'cache')} exec -it web -- sh; echo "kubectl exited $?"; sleep 600`,
      );
      try {
        // capture-pane drops trailing blanks: the prompt `/ # ` shows as `/ #`.
        await showing('/ #');
        await tmux('send-keys', '-t', 'exec', 'echo $GREETING', 'Enter');
        await showing('hello from web\n/ #');
        await tmux('send-keys', '-t', 'exec', 'echo $TERM; hostname', 'Enter');
        await showing('xterm\nweb\n/ #');
        await tmux('send-keys', '-t', 'exec', 'sleep 600', 'Enter');
        await showing('/ # sleep 600\n');
        await tmux('send-keys', '-t', 'exec', 'C-c');
        await showing('^C\n/ #');
        await tmux('send-keys', '-t', 'exec', 'cat', 'Enter', 'typed', 'Enter');
        await showing('typed\ntyped\n');
        await tmux('send-keys', '-t', 'exec', 'C-d');
        await tmux('send-keys', '-t', 'exec', 'cd /etc', 'Enter');
        await showing('/etc #');
        await tmux('send-keys', '-t', 'exec', 'exit 4', 'Enter');
        await showing('kubectl exited 4');
        expect(await screen()).toContain('command terminated with exit code 4');
      } finally {
        await tmux('kill-server').catch(() => undefined);
      }
    });
  });

  it('attaches kubectl run -it --rm to the container’s shell and reports how it ended', async () => {
    const socket = `cube-streams-run-${process.pid}`;
    const tmux = (...args: string[]) =>
      new Promise<string>((resolve, reject) => execFile('tmux', ['-L', socket, ...args], (err, out) => (err ? reject(err) : resolve(out))));
    const showing = (text: string) =>
      until(`"${text}" on the terminal`, async () => ((await tmux('capture-pane', '-p', '-t', 'run')).includes(text) ? true : undefined));
    await tmux(
      'new-session',
      '-d',
      '-x',
      '120',
      '-y',
      '40',
      '-s',
      'run',
      `${KUBECTL} --kubeconfig ${kubeconfig} --cache-dir ${join(dir, 'cache')} run -it --rm shelly --image=busybox --restart=Never -- sh; echo "kubectl exited $?"; sleep 600`,
    );
    try {
      await showing('If you don');
      // The prompt was written before kubectl attached: Enter shows a new one, as kubectl suggests.
      await tmux('send-keys', '-t', 'run', 'Enter');
      await showing('/ #');
      await tmux('send-keys', '-t', 'run', 'hostname', 'Enter');
      await showing('shelly\n/ #');
      await tmux('send-keys', '-t', 'run', 'exit 3', 'Enter');
      await showing('kubectl exited 3');
      const screen = await tmux('capture-pane', '-p', '-t', 'run');
      expect(screen).toContain('pod "shelly" deleted');
      expect(screen).toContain('pod default/shelly terminated (Error)');
    } finally {
      await tmux('kill-server').catch(() => undefined);
    }
  });

  describe('@kubernetes/client-node Exec', () => {
    async function run(protocols: string[]): Promise<{ out: string; err: string; status: V1Status }> {
      const kc = clientConfig();
      const handler = new WebSocketHandler(
        kc,
        (uri: string, _offered: string[], opts: WebSocket.ClientOptions) => new WebSocket(uri, protocols, opts),
      );
      const exec = new Exec(kc, handler);
      const out = new PassThrough();
      const err = new PassThrough();
      let o = '';
      let e = '';
      out.on('data', (c: Buffer) => (o += c.toString()));
      err.on('data', (c: Buffer) => (e += c.toString()));
      const status = await new Promise<V1Status>((resolve) => {
        void exec.exec('default', 'web', 'app', ['sh', '-c', 'cat /etc/hostname; ls /nope; exit 2'], out, err, null, false, resolve);
      });
      return { out: o, err: e, status };
    }

    it.each([['v5.channel.k8s.io'], ['v4.channel.k8s.io']])('streams stdout, stderr and the exit Status over %s', async (protocol) => {
      const r = await run([protocol]);
      expect(r.out).toBe('web\n');
      expect(r.err).toBe('ls: /nope: No such file or directory\n');
      expect(r.status).toEqual({
        metadata: {},
        status: 'Failure',
        message:
          'command terminated with non-zero exit code: error executing command [sh -c cat /etc/hostname; ls /nope; exit 2], exit code 2',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '2' }] },
      });
    });

    it('ends stdin with the v5 close signal', async () => {
      const kc = clientConfig();
      const exec = new Exec(kc);
      const out = new PassThrough();
      let o = '';
      out.on('data', (c: Buffer) => (o += c.toString()));
      const status = await new Promise<V1Status>((resolve) => {
        void exec.exec('default', 'web', 'app', ['cat'], out, null, Readable.from(['piped ', 'in\n']), false, resolve);
      });
      expect(status).toEqual({ metadata: {}, status: 'Success' });
      expect(o).toBe('piped in\n');
    });
  });

  describe('the WebSocket protocol', () => {
    const path = '/api/v1/namespaces/default/pods/web/exec?command=echo&command=hi&stdout=true&stderr=true';

    it('frames channels in base64 for base64.channel.k8s.io and reports failures as text', async () => {
      const s = await openSocket(
        '/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=echo%20hi%3B%20exit%201&stdout=1',
        ['base64.channel.k8s.io'],
      );
      if (!('ws' in s)) throw new Error(`refused: ${s.status}`);
      expect(s.ws.protocol).toBe('base64.channel.k8s.io');
      await s.closed;
      expect(s.messages.map((m) => m.toString())).toEqual([
        '1',
        `1${Buffer.from('hi\n').toString('base64')}`,
        `3${Buffer.from('command terminated with non-zero exit code: error executing command [sh -c echo hi; exit 1], exit code 1').toString('base64')}`,
      ]);
    });

    it('chooses the first protocol the client offers that it supports', async () => {
      const s = await openSocket(path, ['v9.channel.k8s.io', 'v4.channel.k8s.io', 'v5.channel.k8s.io']);
      if (!('ws' in s)) throw new Error(`refused: ${s.status}`);
      expect(s.ws.protocol).toBe('v4.channel.k8s.io');
      await s.closed;
      expect(s.messages.map((m) => [m[0], m.subarray(1).toString()])).toEqual([
        [1, ''],
        [1, 'hi\n'],
        [3, '{"metadata":{},"status":"Success"}'],
      ]);
    });

    it('ends a command whose pod is deleted as killed (exit 137)', async () => {
      await createPod('doomed', [{ name: 'app', image: 'busybox' }]);
      const s = await openSocket('/api/v1/namespaces/default/pods/doomed/exec?command=sleep&command=3600&stdout=1', ['v5.channel.k8s.io']);
      if (!('ws' in s)) throw new Error(`refused: ${s.status}`);
      const type = server.registry.findAnyVersion('', 'pods');
      if (!type) throw new Error('no pods');
      await server.api.delete(type, 'default', 'doomed', {}, { manager: 'streams-spec', user: ADMIN_USER });
      await s.closed;
      const status = s.messages.at(-1);
      expect(status?.[0]).toBe(3);
      expect(JSON.parse(String(status?.subarray(1)))).toMatchObject({
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '137' }] },
      });
    });

    it('refuses a handshake with no supported protocol', async () => {
      expect(await openSocket(path, ['v9.channel.k8s.io'])).toEqual({
        status: 403,
        body: '',
      });
    });

    it('answers a failed upgrade with the Status kube sends', async () => {
      const missing = await openSocket('/api/v1/namespaces/default/pods/ghost/exec?command=true&stdout=1', ['v5.channel.k8s.io']);
      expect(missing).toEqual({ status: 404, body: expect.any(String) });
      if ('body' in missing)
        expect(JSON.parse(missing.body)).toEqual({
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'pods "ghost" not found',
          reason: 'NotFound',
          details: { name: 'ghost', kind: 'pods' },
          code: 404,
        });
      const ambiguous = await openSocket('/api/v1/namespaces/default/pods/two/exec?command=true&stdout=1', ['v5.channel.k8s.io']);
      expect('body' in ambiguous && JSON.parse(ambiguous.body).message).toBe(
        'a container name must be specified for pod two, choose one of: [a b]',
      );
    });

    it('needs the upgrade: a plain POST is a BadRequest', async () => {
      const r = await rawRequest(server, {
        method: 'POST',
        path: '/api/v1/namespaces/default/pods/web/exec?command=true&stdout=1',
      });
      expect(r.status).toBe(400);
      expect(r.json()).toMatchObject({
        reason: 'BadRequest',
        message: 'Upgrade request required',
      });
    });
  });

  describe('authentication and authorization of the upgrade', () => {
    it('refuses an unauthenticated upgrade with 401', async () => {
      const r = await openSocket('/api/v1/namespaces/default/pods/web/exec?command=true&stdout=1', ['v5.channel.k8s.io'], {
        ...server,
        adminToken: '',
      });
      expect(r).toMatchObject({ status: 401 });
    });

    it('authorizes the WebSocket GET as get on pods/exec (v1.32: no extra create check)', async () => {
      const seen: string[] = [];
      const guarded = await startKubeServer({
        name: 'streams-authz',
        authorizer: async (_user, info) => {
          if (info.subresource) seen.push(`${info.verb} ${info.resource}/${info.subresource}`);
          return info.subresource === 'exec' ? { allowed: false } : { allowed: true };
        },
      });
      try {
        const r = await openSocket('/api/v1/namespaces/default/pods/web/exec?command=true&stdout=1', ['v5.channel.k8s.io'], guarded);
        expect(r).toMatchObject({ status: 403 });
        if ('body' in r)
          // (The prefix, `pods "web" is forbidden` in kube, belongs to the RBAC work in server.ts.)
          expect(JSON.parse(r.body)).toMatchObject({
            reason: 'Forbidden',
            message: expect.stringMatching(
              / is forbidden: User "kubernetes-admin" cannot get resource "pods\/exec" in API group "" in the namespace "default"$/,
            ),
          });
        expect(seen).toEqual(['get pods/exec']);
      } finally {
        await guarded.stop();
      }
    });
  });

  describe('pods/attach', () => {
    it('streams the main process’s output and feeds its stdin', async () => {
      await createPod('console', [{ name: 'shell', image: 'busybox', stdin: true }]);
      const s = await openSocket('/api/v1/namespaces/default/pods/console/attach?stdin=1&stdout=1&stderr=1', ['v5.channel.k8s.io']);
      if (!('ws' in s)) throw new Error(`refused: ${s.status}`);
      s.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('echo attached; exit\n')]));
      await s.closed;
      expect(s.messages.map((m) => [m[0], m.subarray(1).toString()])).toEqual([
        [1, ''],
        [1, 'attached\n'],
        [3, '{"metadata":{},"status":"Success"}'],
      ]);
    });
  });

  describe('container main processes', () => {
    it('complete a restartPolicy Never pod when the command ends, and keep its output as the log', async () => {
      const type = server.registry.findAnyVersion('', 'pods');
      if (!type) throw new Error('no pods');
      await server.api.create(
        type,
        'default',
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'job' },
          spec: {
            restartPolicy: 'Never',
            containers: [
              {
                name: 'main',
                image: 'busybox',
                command: ['sh', '-c', 'echo done; exit 1'],
              },
            ],
          },
        },
        { manager: 'streams-spec', user: ADMIN_USER },
      );
      const pod = await until('the pod to fail', () => {
        const p = server.api.tryGet(type, 'default', 'job');
        return p?.status && (p.status as { phase?: string }).phase === 'Failed' ? p : undefined;
      });
      expect((pod.status as { containerStatuses: unknown[] }).containerStatuses[0]).toMatchObject({
        ready: false,
        state: { terminated: { exitCode: 1, reason: 'Error' } },
      });
      expect((await kubectl(['logs', 'job'])).stdout).toBe('done\n');
    });
  });

  describe('pods/log', () => {
    it('serves what the container wrote (kubectl logs)', async () => {
      const r = await kubectl(['logs', 'web']);
      expect(r).toEqual({ code: 0, stdout: 'started\nready\n', stderr: '' });
      const ts = await kubectl(['logs', 'web', '--timestamps', '--tail=1']);
      expect(ts.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ready\n$/);
      expect((await kubectl(['logs', 'web', '--limit-bytes=3'])).stdout).toBe('sta');
    });

    it('follows new output until kubectl stops (kubectl logs -f)', async () => {
      const child = spawn(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'logs', '-f', 'web']);
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      try {
        await until('the existing log', () => out.includes('ready\n'));
        server.appendLog('default', 'web', undefined, 'appended while following\n');
        await until('the appended line', () => out.includes('appended while following\n'));
        expect(out).toBe('started\nready\nappended while following\n');
      } finally {
        child.kill();
      }
    });

    it('refuses the previous container and an ambiguous container with kube’s messages', async () => {
      const r = await kubectl(['logs', 'web', '--previous']);
      expect(r.stderr).toBe('Error from server (BadRequest): previous terminated container "app" in pod "web" not found\n');
      const api = new Log(clientConfig());
      const sink = new PassThrough();
      // client-node reports the code, not the body.
      await expect(api.log('default', 'two', '', sink)).rejects.toThrow(/HTTP-Code: 400/);
      const raw = await rawRequest(server, {
        path: '/api/v1/namespaces/default/pods/two/log',
      });
      expect(raw.json()).toMatchObject({
        reason: 'BadRequest',
        message: 'a container name must be specified for pod two, choose one of: [a b]',
      });
    });

    it('reads logs through @kubernetes/client-node', async () => {
      const sink = new PassThrough();
      let text = '';
      sink.on('data', (c: Buffer) => (text += c.toString()));
      const ended = new Promise((r) => sink.on('end', r));
      await new Log(clientConfig()).log('default', 'web', 'app', sink, {
        tailLines: 2,
      });
      await ended;
      expect(text.split('\n').slice(-2)).toEqual(['appended while following', '']);
    });
  });

  describe('pods/portforward', () => {
    it('is NotImplemented, with or without the upgrade', async () => {
      const r = await rawRequest(server, {
        method: 'POST',
        path: '/api/v1/namespaces/default/pods/web/portforward?ports=80',
      });
      expect(r.status).toBe(501);
      expect(r.json()).toMatchObject({ reason: 'NotImplemented', code: 501 });
      const s = await openSocket('/api/v1/namespaces/default/pods/web/portforward?ports=80', ['v4.channel.k8s.io']);
      expect(s).toMatchObject({ status: 501 });
    });
  });
});
