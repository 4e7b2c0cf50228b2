// pods/exec, pods/attach and pods/portforward: the apiserver's connect handlers plus the kubelet's
// streaming server, over WebSocket only. Channel protocols of k8s.io/apimachinery/pkg/util/httpstream/
// wsstream (channel.k8s.io, base64.channel.k8s.io, v4.channel.k8s.io, v5.channel.k8s.io with the
// 255 close signal) and the Status on the error channel of pkg/kubelet/cri/streaming/remotecommand.
// kubectl ≥ 1.31 tries WebSocket first and falls back to SPDY when the upgrade fails; SPDY is
// refused here with a Status kubectl prints, so every failure reads the same on both attempts.
import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { RawData, WebSocket, WebSocketServer } from 'ws';
import { ObjectApi } from './object-api';
import { RequestInfo, UserInfo } from './pipeline';
import { containerContext, ContainerRuntime, selectContainer } from './pod-runtime';
import { execInContainer, ExecutableNotFound, InputQueue, InterruptSource, Terminal } from './shell';
import { execInProcess, ProcessImage, processImageOf } from './process-containers';
import { ApiError, errors, failure } from './status';
import { at, KubeObject } from './types';

const STREAM_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/** True for .../namespaces/<ns>/pods/<name>/{exec,attach,portforward}. */
export function isPodStreamRequest(info: RequestInfo): boolean {
  return (
    info.isResourceRequest &&
    info.apiGroup === '' &&
    info.resource === 'pods' &&
    info.parts.length === 3 &&
    STREAM_SUBRESOURCES.has(info.subresource)
  );
}

/** A response written on the socket of an upgrade request the server answers without upgrading. */
export function upgradeResponse(req: IncomingMessage, socket: Socket): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.on('finish', () => {
    res.detachSocket(socket);
    socket.destroySoon();
  });
  return res;
}

type Protocol = {
  name: string;
  binary: boolean;
  /** Status JSON on the error channel (v4+), else only the message of a failure. */
  statusJson: boolean;
  /** The 255 close signal (v5). */
  closeSignal: boolean;
};

// remotecommand's websocket.go protocol table (kubelet cri/streaming/remotecommand).
const PROTOCOLS: Protocol[] = [
  {
    name: 'v5.channel.k8s.io',
    binary: true,
    statusJson: true,
    closeSignal: true,
  },
  {
    name: 'v4.channel.k8s.io',
    binary: true,
    statusJson: true,
    closeSignal: false,
  },
  {
    name: 'v4.base64.channel.k8s.io',
    binary: false,
    statusJson: true,
    closeSignal: false,
  },
  {
    name: 'channel.k8s.io',
    binary: true,
    statusJson: false,
    closeSignal: false,
  },
  {
    name: 'base64.channel.k8s.io',
    binary: false,
    statusJson: false,
    closeSignal: false,
  },
];
const NO_PROTOCOL: Protocol = {
  name: '',
  binary: true,
  statusJson: false,
  closeSignal: false,
};

/** wsstream handshake: the first protocol the client offers that the server supports. */
function chooseProtocol(offered: string[]): Protocol | undefined {
  for (const o of offered) {
    const p = PROTOCOLS.find((q) => q.name === o);
    if (p) return p;
  }
  return undefined;
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

/** The kubelet's Status for how a command ended (v4WriteStatusFunc marshals the bare struct). */
type StreamStatus = Record<string, unknown>;

const SUCCESS: StreamStatus = { metadata: {}, status: 'Success' };

function nonZeroExit(command: string[], code: number): StreamStatus {
  // containerd's error for a non-zero exit, wrapped by the kubelet (ServeExec).
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

function internalError(message: string): StreamStatus {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  };
}

interface StreamOptions {
  command: string[];
  container: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Go's strconv.ParseBool, which the parameter codec uses for PodExecOptions. */
function parseBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '') return false;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw errors.badRequest(`strconv.ParseBool: parsing "${v}": invalid syntax`);
}

/** A kubelet answer that the apiserver passes through as it is (plain text, not a Status). */
class KubeletResponse {
  constructor(
    readonly code: number,
    readonly text: string,
  ) {}
}

export class PodStreams {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => chooseProtocol([...offered])?.name ?? false,
  });
  private readonly sessions = new Set<WebSocket>();
  /** Headers the filters set (Audit-Id) that the 101 response carries too. */
  private readonly upgradeHeaders = new WeakMap<IncomingMessage, Record<string, string>>();

  constructor(
    private readonly api: ObjectApi,
    private readonly runtime: ContainerRuntime,
    /** Test-only: images whose execs run as local processes (process-containers.ts). */
    private readonly processImages: Record<string, ProcessImage> = {},
  ) {
    this.wss.on('headers', (headers: string[], req: IncomingMessage) => {
      for (const [k, v] of Object.entries(this.upgradeHeaders.get(req) ?? {})) headers.push(`${k}: ${v}`);
    });
  }

  /** An upgrade request (WebSocket or SPDY) to exec/attach/portforward, already authorized. */
  async connect(
    req: IncomingMessage,
    socket: Socket,
    head: Buffer,
    info: RequestInfo,
    user: UserInfo,
    respond: () => ServerResponse,
    upgraded?: { headers?: Record<string, string>; then?: () => void },
  ): Promise<void> {
    const target = await this.prepare(req, info, user);
    if (target instanceof KubeletResponse)
      return void respond().writeHead(target.code, { 'Content-Type': 'text/plain; charset=utf-8' }).end(target.text);
    const { pod, opts } = target;
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (upgrade !== 'websocket')
      throw errors.badRequest(
        `${String(req.headers.upgrade)} is not supported by the Kubernetes API test server: pods/${info.subresource} streams over WebSocket only (v5.channel.k8s.io, v4.channel.k8s.io); do not set KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false`,
      );
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const protocol = offered.length ? chooseProtocol(offered) : NO_PROTOCOL;
    if (!protocol)
      // golang.org/x/net/websocket refuses a handshake with no supported subprotocol: 403, no body.
      return void respond().writeHead(403).end();
    if (upgraded?.headers) this.upgradeHeaders.set(req, upgraded.headers);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      upgraded?.then?.();
      this.sessions.add(ws);
      ws.on('close', () => this.sessions.delete(ws));
      const session = new ChannelSession(ws, protocol, opts);
      const served = info.subresource === 'exec' ? this.exec(session, pod, opts) : this.attach(session, pod, opts);
      served.catch((e: unknown) => {
        console.error('kube-server: pod stream failed', e);
        session.finish(internalError(e instanceof Error ? e.message : String(e)));
      });
    });
  }

  /** The same request without an upgrade: what the UpgradeAwareHandler answers. */
  async serveHttp(req: IncomingMessage, res: ServerResponse, info: RequestInfo, user: UserInfo): Promise<void> {
    const target = await this.prepare(req, info, user);
    if (target instanceof KubeletResponse)
      return void res.writeHead(target.code, { 'Content-Type': 'text/plain; charset=utf-8' }).end(target.text);
    throw errors.badRequest('Upgrade request required');
  }

  stop(): void {
    for (const ws of this.sessions) ws.terminate();
    this.wss.close();
  }

  /**
   * Connect admission, the pod and container (ExecLocation/AttachLocation), then the kubelet's
   * checks. portforward stops at NotImplemented once the pod is known.
   */
  private async prepare(
    req: IncomingMessage,
    info: RequestInfo,
    user: UserInfo,
  ): Promise<{ pod: KubeObject; opts: StreamOptions } | KubeletResponse> {
    const type = this.api.registry.findAnyVersion('', 'pods');
    if (!type || !info.namespace) throw errors.notFoundPath();
    const q = new URL(req.url ?? '/', 'https://localhost').searchParams;
    const sub = info.subresource;
    const opts: StreamOptions = {
      command: q.getAll('command'),
      container: q.get('container') ?? '',
      stdin: parseBool(q, 'stdin'),
      stdout: parseBool(q, 'stdout'),
      stderr: parseBool(q, 'stderr'),
      tty: parseBool(q, 'tty'),
    };
    const kind = sub === 'exec' ? 'PodExecOptions' : sub === 'attach' ? 'PodAttachOptions' : 'PodPortForwardOptions';
    const object = {
      apiVersion: 'v1',
      kind,
      metadata: {},
      ...(sub === 'portforward'
        ? {}
        : {
            stdin: opts.stdin,
            stdout: opts.stdout,
            stderr: opts.stderr,
            tty: opts.tty,
            container: opts.container,
            ...(sub === 'exec' ? { command: opts.command } : {}),
          }),
    } as unknown as KubeObject;
    const attrs = {
      operation: 'CONNECT' as const,
      type,
      subresource: sub,
      namespace: info.namespace,
      name: info.name,
      object,
      user,
      dryRun: false,
    };
    for (const p of this.api.admission) if (p.admit) await p.admit(attrs);
    for (const p of this.api.admission) if (p.validate) await p.validate(attrs);

    const pod = this.api.get(type, info.namespace, info.name);
    if (sub === 'portforward')
      throw new ApiError(
        failure(
          501,
          'NotImplemented',
          'pods/portforward is not implemented by the Kubernetes API test server: its pods have no network to forward to',
        ),
      );
    const container = selectContainer(pod, opts.container);
    opts.container = container;
    if (!at(pod, 'spec', 'nodeName')) throw errors.badRequest(`pod ${info.name} does not have a host assigned`);
    // remotecommand NewOptions (kubelet): a TTY has no separate stderr.
    if (opts.tty) opts.stderr = false;
    if (!opts.stdin && !opts.stdout && !opts.stderr)
      return new KubeletResponse(400, 'you must specify at least 1 of stdin, stdout, stderr');
    // Kubelet.GetExec/GetAttach: only a running container can be reached.
    const status = ((at(pod, 'status', 'containerStatuses') as Record<string, unknown>[] | undefined) ?? []).find(
      (s) => s.name === container,
    );
    if (!at(status, 'state', 'running')) return new KubeletResponse(500, `container not found ("${container}")`);
    return { pod, opts };
  }

  private async exec(session: ChannelSession, pod: KubeObject, opts: StreamOptions): Promise<void> {
    const ctx = containerContext(pod, opts.container);
    const stopWatch = this.onPodDeleted(pod, () => session.podGone());
    try {
      const image = processImageOf(this.processImages, pod, opts.container);
      const code = image
        ? await execInProcess(this.api, image, pod, opts.container, opts.command, session.io())
        : await execInContainer(opts.command, ctx, session.io(), opts.tty);
      if (session.closed) return;
      if (session.killed) return session.finish(nonZeroExit(opts.command, 137));
      session.finish(code === 0 ? SUCCESS : nonZeroExit(opts.command, code));
    } catch (e) {
      if (!(e instanceof ExecutableNotFound)) throw e;
      if (session.closed) return;
      // containerd's answer, wrapped by the kubelet (ServeExec) into an InternalError.
      const execId = randomBytes(32).toString('hex');
      session.finish(
        internalError(
          `error executing command in container: failed to exec in container: failed to start exec "${execId}": OCI runtime exec failed: exec failed: unable to start container process: ${e.message}: unknown`,
        ),
      );
    } finally {
      stopWatch();
    }
  }

  /** Attach: the main process's output from now on, stdin to it when the container takes stdin. */
  private async attach(session: ChannelSession, pod: KubeObject, opts: StreamOptions): Promise<void> {
    const main = this.runtime.mainProcess(pod, opts.container);
    const ended = new Promise<void>((resolve) => {
      const stopWatch = this.onPodDeleted(pod, () => {
        stopWatch();
        resolve();
      });
      session.onClose(() => {
        stopWatch();
        resolve();
      });
      void main?.done.then(() => resolve());
    });
    if (main) {
      const output = (text: string) => session.send(STDOUT, text);
      main.outputs.add(output);
      session.onStdin((data) => main.write(data));
      await ended;
      main.outputs.delete(output);
    } else await ended;
    if (!session.closed) session.finish(SUCCESS);
  }

  private onPodDeleted(pod: KubeObject, then: () => void): () => void {
    const uid = pod.metadata.uid;
    return this.api.store.subscribe((e) => {
      if (e.resource === 'pods' && e.type === 'DELETED' && e.object.metadata.uid === uid) then();
    });
  }
}

/** One upgraded WebSocket: the channels of the negotiated protocol, stdin, resize and the Status. */
class ChannelSession {
  closed = false;
  killed = false;
  private readonly controller = new AbortController();
  private readonly interrupts = new InterruptSource();
  private readonly stdin: InputQueue;
  private readonly terminal?: Terminal;
  private stdinListener?: (data: string) => void;
  private readonly closeListeners: (() => void)[] = [];
  /** The last size a client sent on the resize channel. */
  size?: { Width: number; Height: number };

  constructor(
    private readonly ws: WebSocket,
    private readonly protocol: Protocol,
    private readonly opts: StreamOptions,
  ) {
    if (opts.tty && opts.stdin) {
      this.terminal = new Terminal(
        (echo) => this.send(STDOUT, echo),
        () => this.interrupts.fire(),
      );
      this.stdin = this.terminal.input;
    } else this.stdin = new InputQueue();
    if (!opts.stdin) this.stdin.close();
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(toBuffer(data), isBinary));
    ws.on('close', () => {
      this.closed = true;
      this.controller.abort();
      this.stdin.close();
      for (const l of this.closeListeners.splice(0)) l();
    });
    ws.on('error', () => ws.terminate());
    // createWebSocketStreams: an empty message on the lowest writable channel says "ready".
    this.send(opts.stdout ? STDOUT : opts.stderr ? STDERR : ERROR, '');
  }

  io() {
    return {
      stdin: this.stdin,
      stdout: (t: string) => this.send(STDOUT, this.opts.tty ? Terminal.output(t) : t),
      stderr: (t: string) => (this.opts.tty ? this.send(STDOUT, Terminal.output(t)) : this.send(STDERR, t)),
      signal: this.controller.signal,
      interrupts: this.opts.tty ? this.interrupts : undefined,
      terminalSize: this.opts.tty ? () => this.size : undefined,
    };
  }

  onStdin(listener: (data: string) => void): void {
    this.stdinListener = listener;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** The container went away under the command: it is killed (SIGKILL, exit 137). */
  podGone(): void {
    this.killed = true;
    this.controller.abort();
  }

  send(channel: number, data: string | Buffer): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return;
    if (channel === STDOUT && !this.opts.stdout) return;
    if (channel === STDERR && !this.opts.stderr) return;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.protocol.binary)
      this.ws.send(Buffer.concat([Buffer.from([channel]), bytes]), {
        binary: true,
      });
    else
      this.ws.send(String.fromCharCode(48 + channel) + bytes.toString('base64'), {
        binary: false,
      });
  }

  /** Writes how the command ended on the error channel and closes, as the kubelet does. */
  finish(status: StreamStatus): void {
    if (this.closed) return;
    if (this.protocol.statusJson) this.send(ERROR, JSON.stringify(status));
    else if (status.status !== 'Success') this.send(ERROR, String(status.message));
    this.ws.close(1000);
  }

  private receive(frame: Buffer, isBinary: boolean): void {
    if (!frame.length) return;
    let channel = frame[0];
    let data = frame.subarray(1);
    if (!this.protocol.binary) {
      channel -= 48;
      data = Buffer.from(data.toString('latin1'), 'base64');
    } else if (!isBinary) return;
    if (channel === CLOSE && this.protocol.closeSignal) {
      // v5: the client half-closed a channel; for stdin that is end of file.
      if (data[0] === STDIN) this.endStdin();
      return;
    }
    if (channel === STDIN) {
      if (!this.opts.stdin) return;
      const text = data.toString('utf8');
      if (this.stdinListener) this.stdinListener(text);
      else if (this.terminal) this.terminal.write(text);
      else this.stdin.push(text);
    } else if (channel === RESIZE) {
      // kubelet handleResizeEvents: a malformed message is logged and ignored.
      this.size = parseSize(data.toString('utf8')) ?? this.size;
    }
  }

  private endStdin(): void {
    if (this.terminal) this.terminal.close();
    else this.stdin.close();
  }
}

function parseSize(text: string): { Width: number; Height: number } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) return undefined;
    throw e;
  }
  const w = at(v, 'Width');
  const h = at(v, 'Height');
  return typeof w === 'number' && typeof h === 'number' ? { Width: w, Height: h } : undefined;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
