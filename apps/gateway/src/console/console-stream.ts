import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { RawData, WebSocket, WebSocketServer } from 'ws';
import { ConsoleSubjects, CubeError, RedeemedConsoleSession } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { HTTP_STATUS_OF_CODE } from '../errors/error-status';
import { ClusterConnections, ProxyTarget } from '../proxy/cluster-connections';
import { PROXY_PREFIX } from '../proxy/kube-api-proxy';
import { upstreamRequestHeaders } from '../proxy/proxy-headers';
import { CloudShells } from './cloud-shells';
import { MAX_PENDING_CHARS, SessionRecorder } from './session-recorder';

export const CONSOLE_PREFIX = '/api/v1/console/sessions/';
/** The subprotocol a browser may offer; the stream works without one too. */
export const STREAM_PROTOCOL = 'cube.console.v1';
const STREAM_PATH = /^\/api\/v1\/console\/sessions\/([0-9a-f-]{36})\/stream$/;
const GATEWAY = { kind: 'system', name: 'gateway' } as const;
/** Kubernetes channel protocols, newest first (v5 adds the close signal; kubectl offers both). */
const MEMBER_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
/** Keystrokes and control frames are small; a paste larger than this is refused by ws (close 1009). */
const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

export const CLOSE = { ended: 1000, malformed: 1007, memberFailed: 1011, idle: 4001, maxDuration: 4002 } as const;

interface ExecStatus {
  status?: string;
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/**
 * The browser side of a WebConsole: a WebSocket upgraded with a single-use ticket (no bearer token:
 * browsers cannot set one on a WebSocket), bridged to the member's exec under the session user's
 * identity (the proxy's impersonation headers, never the cluster's own rights). Output is recorded
 * as it passes; the session's end (exit, idle, maximum duration, browser gone) ends the exec.
 */
@Injectable()
export class ConsoleStream implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConsoleStream.name);
  private readonly server = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME_BYTES,
    handleProtocols: (offered) => (offered.has(STREAM_PROTOCOL) ? STREAM_PROTOCOL : false),
  });

  constructor(
    private readonly adapter: HttpAdapterHost,
    private readonly bus: ServiceRequester,
    private readonly connections: ClusterConnections,
    private readonly shells: CloudShells,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapter.httpAdapter.getHttpServer() as Server;
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://gateway');
      const match = STREAM_PATH.exec(url.pathname);
      if (!match?.[1]) {
        // The proxy's listener answers its own paths; every other upgrade is answered here.
        if (!(req.url ?? '').startsWith(PROXY_PREFIX)) refuse(socket, 404, 'NOT_FOUND', 'no WebSocket endpoint at this path');
        return;
      }
      socket.on('error', () => socket.destroy());
      void this.open(req, socket, head, match[1], url.searchParams.get('ticket') ?? '');
    });
  }

  onApplicationShutdown(): void {
    for (const client of this.server.clients) client.close(1001, 'the gateway is shutting down');
    this.server.close();
  }

  private async open(req: IncomingMessage, socket: Duplex, head: Buffer, id: string, ticket: string): Promise<void> {
    const requestId = randomUUID();
    let session: RedeemedConsoleSession;
    let target: ProxyTarget;
    try {
      if (!ticket) throw new CubeError('UNAUTHENTICATED', "the stream needs ?ticket= from the session's creation");
      session = await this.bus.request(ConsoleSubjects.redeem, {
        actor: GATEWAY,
        requestId,
        payload: { id, ticket },
      });
      target = await this.connections.target(session.cluster, requestId);
    } catch (error: unknown) {
      const failure = error instanceof CubeError ? error : new CubeError('UNAVAILABLE', 'the session could not be opened');
      refuse(socket, HTTP_STATUS_OF_CODE[failure.code], failure.code, failure.message);
      return;
    }
    // A CloudShell's pod and token go with its session, however it ends.
    const afterEnd =
      session.kind === 'cloudshell'
        ? () =>
            this.shells.remove(
              { cluster: session.cluster, pod: session.pod, tokenId: session.tokenId },
              { kind: 'user', name: session.user, groups: session.groups },
              requestId,
            )
        : () => Promise.resolve();
    this.server.handleUpgrade(req, socket, head, (client) => {
      new TerminalBridge(
        client,
        session,
        target,
        new SessionRecorder(this.bus, session, requestId),
        this.bus,
        requestId,
        this.logger,
        afterEnd,
      ).start();
    });
  }
}

/** One terminal: the browser's WebSocket, the member's exec WebSocket, the timers and the recording. */
class TerminalBridge {
  private member: WebSocket | undefined;
  private commandIndex = 0;
  private produced = false;
  private ended = false;
  private paused = false;
  /** What the browser sent before the member's exec was open (a fast typist, the first resize). */
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private size: { cols: number; rows: number } | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly maxTimer: NodeJS.Timeout;

  constructor(
    private readonly client: WebSocket,
    private readonly session: RedeemedConsoleSession,
    private readonly target: ProxyTarget,
    private readonly recorder: SessionRecorder,
    private readonly bus: ServiceRequester,
    private readonly requestId: string,
    private readonly logger: Logger,
    private readonly afterEnd: () => Promise<void>,
  ) {
    this.maxTimer = setTimeout(
      () =>
        this.finish(
          { type: 'error', message: 'the session reached its maximum duration' },
          CLOSE.maxDuration,
          'maximum duration',
          undefined,
        ),
      session.remainingSeconds * 1000,
    );
  }

  start(): void {
    this.touch();
    this.client.on('message', (data: RawData, isBinary: boolean) => this.fromClient(toBuffer(data), isBinary));
    this.client.on('close', () => this.finish(undefined, CLOSE.ended, 'the browser closed the stream', undefined));
    this.client.on('error', () => this.client.terminate());
    this.connect();
  }

  private connect(): void {
    const command = this.session.commands[this.commandIndex] ?? [];
    const query = new URLSearchParams({ container: this.session.container, stdin: 'true', stdout: 'true', stderr: 'false', tty: 'true' });
    for (const word of command) query.append('command', word);
    const base = this.target.server.pathname.replace(/\/+$/, '');
    const path = `${base}/api/v1/namespaces/${encodeURIComponent(this.session.namespace)}/pods/${encodeURIComponent(this.session.pod)}/exec?${query.toString()}`;
    const url = `wss://${this.target.server.host}${path}`;
    // The proxy's header builder: Cube's credential for the member plus the session user as
    // Impersonate-User/Group. A CloudShell's pod is Cube's own: Cube execs there as itself (the user
    // has no rights in cube-cloudshell; inside, their kubeconfig carries their own token).
    const headers =
      this.session.kind === 'cloudshell'
        ? { ...(this.target.authorization ? { authorization: this.target.authorization } : {}) }
        : upstreamRequestHeaders(
            {},
            { authorization: this.target.authorization, principal: { name: this.session.user, groups: this.session.groups } },
          );
    const member = new WebSocket(url, MEMBER_PROTOCOLS, {
      agent: this.target.agent,
      headers: headers as Record<string, string>,
      perMessageDeflate: false,
    });
    this.member = member;
    let status: ExecStatus | undefined;
    member.on('open', () => {
      if (this.size) this.sendResize(this.size);
      for (const frame of this.early.splice(0)) member.send(frame, { binary: true });
      this.earlyBytes = 0;
    });
    member.on('message', (data: RawData) => {
      const frame = toBuffer(data);
      const channel = frame[0];
      const payload = frame.subarray(1);
      if (channel === STDOUT || channel === STDERR) {
        if (payload.length === 0) return;
        this.produced = true;
        this.touch();
        this.recorder.output(payload);
        if (this.client.readyState === WebSocket.OPEN) this.client.send(payload, { binary: true });
        this.keepRecordingBounded(member);
      } else if (channel === ERROR && payload.length > 0) {
        status = parseStatus(payload);
      }
    });
    member.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.length < 16 && chunks.push(chunk));
      res.on('end', () => {
        const answer = parseStatus(Buffer.concat(chunks));
        this.finish(
          { type: 'error', message: `the member refused the exec (${res.statusCode ?? 0}): ${answer?.message ?? ''}`.trim() },
          CLOSE.memberFailed,
          `member refused: ${res.statusCode ?? 0}`,
          undefined,
        );
      });
    });
    member.on('error', (error: Error) => {
      if (this.member !== member) return;
      this.finish(
        { type: 'error', message: `cluster "${this.session.cluster}" is not reachable: ${error.message}` },
        CLOSE.memberFailed,
        'member not reachable',
        undefined,
      );
    });
    member.on('close', () => {
      if (this.member !== member || this.ended) return;
      const code = exitCodeOf(status);
      if (code === undefined && !this.produced && this.commandIndex + 1 < this.session.commands.length) {
        // The image lacks this shell (kubectl's own fallback from bash to sh).
        this.commandIndex += 1;
        this.connect();
        return;
      }
      if (code !== undefined) this.finish({ type: 'exit', code }, CLOSE.ended, `exited with ${code}`, code);
      else
        this.finish(
          { type: 'error', message: status?.message ?? 'the exec ended without a status' },
          CLOSE.memberFailed,
          status?.message ?? 'no status',
          undefined,
        );
    });
  }

  /** Stops reading the member while the recording is behind, so unsent output never grows without bound. */
  private keepRecordingBounded(member: WebSocket): void {
    if (this.recorder.failed) {
      this.finish(
        { type: 'error', message: 'the session cannot be recorded: it was closed' },
        CLOSE.memberFailed,
        'recording failed',
        undefined,
      );
      return;
    }
    if (this.paused || this.recorder.pending <= MAX_PENDING_CHARS) return;
    this.paused = true;
    member.pause();
    void this.recorder.drained().then(() => {
      this.paused = false;
      if (!this.ended) member.resume();
    });
  }

  private fromClient(frame: Buffer, isBinary: boolean): void {
    if (this.ended) return;
    this.touch();
    if (isBinary) {
      if (frame.length === 0) return;
      this.recorder.input(frame);
      this.sendToMember(STDIN, frame);
      return;
    }
    const control = parseControl(frame.toString('utf8'));
    if (!control) {
      this.finish(
        { type: 'error', message: 'malformed control frame: expected {"type":"resize","cols":<1-10000>,"rows":<1-10000>}' },
        CLOSE.malformed,
        'malformed control frame',
        undefined,
      );
      return;
    }
    this.size = control;
    this.recorder.resize(control.cols, control.rows);
    this.sendResize(control);
  }

  private sendResize(size: { cols: number; rows: number }): void {
    this.sendToMember(RESIZE, Buffer.from(JSON.stringify({ Width: size.cols, Height: size.rows })));
  }

  private sendToMember(channel: number, data: Buffer): void {
    const frame = Buffer.concat([Buffer.from([channel]), data]);
    if (this.member?.readyState === WebSocket.OPEN) {
      this.member.send(frame, { binary: true });
      return;
    }
    // Resizes are replayed from `size` on open; keystrokes wait, up to one frame's worth.
    if (channel !== STDIN || this.earlyBytes + frame.length > MAX_CLIENT_FRAME_BYTES) return;
    this.early.push(frame);
    this.earlyBytes += frame.length;
  }

  private touch(): void {
    if (this.idleTimer) this.idleTimer.refresh();
    else
      this.idleTimer = setTimeout(
        () =>
          this.finish(
            { type: 'error', message: `no input or output for ${this.session.idleTimeoutSeconds} s: the session was closed` },
            CLOSE.idle,
            'idle timeout',
            undefined,
          ),
        this.session.idleTimeoutSeconds * 1000,
      );
  }

  private finish(
    last: { type: 'exit'; code: number } | { type: 'error'; message: string } | undefined,
    closeCode: number,
    reason: string,
    exitCode: number | undefined,
  ): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.maxTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    // Ends the command in the pod: the kubelet kills an exec whose stream is gone.
    this.member?.terminate();
    if (this.client.readyState === WebSocket.OPEN) {
      if (last) this.client.send(JSON.stringify(last));
      this.client.close(closeCode, reason.slice(0, 120));
    }
    void this.recorder
      .close()
      .catch((error: unknown) =>
        this.logger.error({ err: error, session: this.session.id }, 'the recording of a terminal session is incomplete'),
      )
      .then(() =>
        this.bus.request(ConsoleSubjects.end, {
          actor: GATEWAY,
          requestId: this.requestId,
          payload: { id: this.session.id, reason, ...(exitCode !== undefined ? { exitCode } : {}), ...(this.recorder.firstSize ?? {}) },
        }),
      )
      .catch((error: unknown) =>
        this.logger.error({ err: error, session: this.session.id }, 'the end of a terminal session was not recorded'),
      )
      .then(() => this.afterEnd());
  }
}

/** The exit code in the exec's final Status: 0 on Success, the ExitCode cause on NonZeroExitCode. */
function exitCodeOf(status: ExecStatus | undefined): number | undefined {
  if (!status) return undefined;
  if (status.status === 'Success') return 0;
  if (status.reason !== 'NonZeroExitCode') return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : undefined;
}

function parseStatus(payload: Buffer): ExecStatus | undefined {
  try {
    const value: unknown = JSON.parse(payload.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as ExecStatus) : undefined;
  } catch {
    // v4 and later send JSON; anything else is a plain message.
    return { status: 'Failure', message: payload.toString('utf8') };
  }
}

/** `{"type":"resize","cols":n,"rows":n}`, or undefined for anything else. */
export function parseControl(text: string): { cols: number; rows: number } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, cols, rows } = value as Record<string, unknown>;
  const dimension = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 10_000;
  return type === 'resize' && dimension(cols) && dimension(rows) ? { cols, rows } : undefined;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** An error answered on the upgrade socket (no response object exists there), Cube's error body. */
function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ code, message, details: {} });
  socket.end(
    `HTTP/1.1 ${status} ${code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
