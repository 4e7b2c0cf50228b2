// The audit filter and the batching webhook backend of kube-apiserver
// (k8s.io/apiserver/pkg/endpoints/filters/audit.go, pkg/audit, plugin/pkg/audit/buffered and
// plugin/pkg/audit/webhook): one audit.k8s.io/v1 Event per request and stage, POSTed as EventList
// batches (by size or wait time). Sending never blocks or fails the request.
import { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { RequestContext, UserInfo } from './pipeline';

export type AuditLevel = 'Metadata' | 'RequestResponse';
export type AuditStage = 'RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic';

export interface AuditWebhookOptions {
  url: string;
  /** PEM CA bundle for an https URL. */
  caBundle?: string;
  /** The policy's level for every request; Metadata by default. */
  level?: AuditLevel;
  /** --audit-webhook-batch-max-size (400). */
  batchMaxSize?: number;
  /** --audit-webhook-batch-max-wait (30 s). */
  batchMaxWaitMs?: number;
  /** The policy's omitStages; RequestReceived by default, as most policies do. */
  omitStages?: AuditStage[];
}

export interface AuditUserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface AuditEvent {
  level: AuditLevel;
  auditID: string;
  stage: AuditStage;
  requestURI: string;
  verb: string;
  user: AuditUserInfo;
  impersonatedUser?: AuditUserInfo;
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: {
    resource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
    apiVersion?: string;
    subresource?: string;
  };
  responseStatus?: {
    metadata: Record<string, never>;
    status?: string;
    message?: string;
    reason?: string;
    details?: unknown;
    code?: number;
  };
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

/** Events waiting beyond this are dropped (--audit-webhook-batch-buffer-size). */
const BUFFER_SIZE = 10_000;
const SEND_ATTEMPTS = 3;
const SEND_TIMEOUT_MS = 30_000;
/** Bodies kept for requestObject/responseObject and for the Status of failures. */
const MAX_CAPTURE_BYTES = 1024 * 1024;

/** plugin/pkg/audit/buffered over plugin/pkg/audit/webhook: batches of EventList POSTed in order. */
export class AuditWebhookBackend {
  private buffer: AuditEvent[] = [];
  private timer?: NodeJS.Timeout;
  private readonly sending = new Set<Promise<void>>();
  private readonly maxSize: number;
  private readonly maxWaitMs: number;

  constructor(private readonly options: AuditWebhookOptions) {
    this.maxSize = Math.max(1, options.batchMaxSize ?? 400);
    this.maxWaitMs = options.batchMaxWaitMs ?? 30_000;
  }

  processEvent(ev: AuditEvent): void {
    if (this.buffer.length >= BUFFER_SIZE) {
      console.warn(`kube-server: audit buffer queue blocked, dropping event ${ev.auditID}`);
      return;
    }
    this.buffer.push(ev);
    if (this.buffer.length >= this.maxSize) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.maxWaitMs);
      this.timer.unref();
    }
  }

  /** Sends everything buffered and waits for the posts (with their retries) to end. */
  async stop(): Promise<void> {
    this.flush();
    while (this.sending.size) await Promise.all([...this.sending]);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.buffer.length) {
      const batch = this.buffer.splice(0, this.maxSize);
      const p = this.send(batch).finally(() => this.sending.delete(p));
      this.sending.add(p);
    }
  }

  private async send(items: AuditEvent[]): Promise<void> {
    const body = JSON.stringify({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      metadata: {},
      items,
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.post(body);
        return;
      } catch (e) {
        if (attempt >= SEND_ATTEMPTS) {
          console.warn(`kube-server: audit webhook: dropped ${items.length} event(s): ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1)));
      }
    }
  }

  private post(body: string): Promise<void> {
    const url = new URL(this.options.url);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          ca: this.options.caBundle,
          timeout: SEND_TIMEOUT_MS,
          headers: {
            'Content-Type': 'application/json',
            Accept: 'application/json, */*',
            'Content-Length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) resolve();
            else reject(new Error(`the server responded with status ${code}`));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** genericfilters.BasicLongRunningRequestCheck as kube-apiserver configures it. */
const LONG_RUNNING_VERBS = new Set(['watch', 'proxy']);
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);

function isLongRunning(ctx: RequestContext): boolean {
  const i = ctx.info;
  return i.isResourceRequest && (LONG_RUNNING_VERBS.has(i.verb) || LONG_RUNNING_SUBRESOURCES.has(i.subresource));
}

/** RFC 3339 with microseconds, as metav1.MicroTime marshals. */
function microTime(epochMs: number): string {
  const whole = Math.floor(epochMs);
  const micros = Math.floor((epochMs - whole) * 1000);
  const iso = new Date(whole).toISOString(); // ...sss Z
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

const nowMs = () => performance.timeOrigin + performance.now();

/** utilnet.SourceIPs: X-Forwarded-For, X-Real-Ip, then the peer address. */
function sourceIPs(req: IncomingMessage): string[] {
  const ips: string[] = [];
  const xff = req.headers['x-forwarded-for'];
  if (typeof xff === 'string') for (const p of xff.split(',')) if (p.trim()) ips.push(p.trim());
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string' && real.trim() && !ips.includes(real.trim())) ips.push(real.trim());
  let remote = req.socket.remoteAddress ?? '';
  if (remote.startsWith('::ffff:')) remote = remote.slice(7);
  if (remote && ips[ips.length - 1] !== remote) ips.push(remote);
  return ips;
}

function auditUser(u: UserInfo | undefined): AuditUserInfo {
  if (!u) return {};
  return {
    username: u.username,
    ...(u.uid ? { uid: u.uid } : {}),
    ...(u.groups.length ? { groups: u.groups } : {}),
    ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}),
  };
}

function parseJson(chunks: Buffer[], contentType: string | undefined): unknown {
  if (!/json/i.test(contentType ?? '')) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const WRITE_VERBS = new Set(['create', 'update', 'patch']);

/**
 * The audit filter: observes one request from arrival to the end of its response (the status
 * actually written, the Status body of failures) and hands its events to the backend.
 */
export class AuditRecorder {
  private readonly level: AuditLevel;
  private readonly omit: Set<AuditStage>;
  /** Requests whose last event is not out yet. */
  private open = 0;
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly backend: AuditWebhookBackend,
    options: AuditWebhookOptions,
  ) {
    this.level = options.level ?? 'Metadata';
    this.omit = new Set(options.omitStages ?? ['RequestReceived']);
  }

  /**
   * Resolves when every observed request has reported its end (responses cut by a shutdown close
   * a few loop turns later), or after `timeoutMs`.
   */
  drained(timeoutMs: number): Promise<void> {
    if (this.open === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  observe(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void {
    this.open++;
    const longRunning = isLongRunning(ctx);
    const captureRequest = WRITE_VERBS.has(ctx.info.verb) || this.level === 'RequestResponse';
    const requestChunks: Buffer[] = [];
    let requestBytes = 0;
    if (captureRequest) {
      // Tee the body as the handler reads it, without changing the stream's flow.
      const emit = req.emit.bind(req);
      req.emit = ((event: string | symbol, ...args: unknown[]) => {
        if (event === 'data' && Buffer.isBuffer(args[0])) {
          requestBytes += args[0].length;
          if (requestBytes <= MAX_CAPTURE_BYTES) requestChunks.push(args[0]);
        }
        return emit(event, ...args);
      }) as typeof req.emit;
    }

    const responseChunks: Buffer[] = [];
    let responseBytes = 0;
    let code: number | undefined;
    const keep = (chunk: unknown, encoding?: unknown) => {
      // A stream's body is not kept; a long-running request refused with a Status is.
      const refused = (code ?? res.statusCode) >= 400;
      if ((longRunning && !refused) || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const b = Buffer.isBuffer(chunk)
        ? chunk
        : typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : Buffer.from(chunk as Uint8Array);
      responseBytes += b.length;
      if (responseBytes <= MAX_CAPTURE_BYTES) responseChunks.push(b);
    };

    const event = (stage: AuditStage) => this.event(req, ctx, stage);

    const emit = (ev: AuditEvent) => {
      if (!this.omit.has(ev.stage)) this.backend.processEvent(ev);
    };

    emit(event('RequestReceived'));

    const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      if (code === undefined) {
        code = Number(args[0]);
        // Long-running requests are reported when their response starts; so is a failed authentication.
        if (longRunning && ctx.user) {
          const ev = event('ResponseStarted');
          ev.responseStatus = { metadata: {}, code };
          emit(ev);
        }
      }
      return writeHead(...args);
    }) as typeof res.writeHead;
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    res.write = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return write(...args);
    }) as typeof res.write;
    const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return end(...args);
    }) as typeof res.end;

    // 'finish' when the response was written out; 'close' alone when the client left first. A
    // response written on a refused upgrade's socket only finishes.
    let reported = false;
    const complete = () => {
      if (reported) return;
      reported = true;
      const status = code ?? res.statusCode;
      const failedAuthn = !ctx.user && status === 401;
      const ev = event(failedAuthn ? 'ResponseStarted' : 'ResponseComplete');
      const contentType = String(res.getHeader('content-type') ?? '');
      const response = responseBytes <= MAX_CAPTURE_BYTES ? parseJson(responseChunks, contentType) : undefined;
      const s = response as Record<string, unknown> | undefined;
      // audit.LogResponseObject copies a Status' bounded fields; other responses only report the code.
      if (s && s.kind === 'Status' && s.apiVersion === 'v1')
        ev.responseStatus = {
          metadata: {},
          ...(s.status ? { status: String(s.status) } : {}),
          ...(s.message ? { message: String(s.message) } : {}),
          ...(s.reason ? { reason: String(s.reason) } : {}),
          ...(s.details ? { details: s.details } : {}),
          code: status,
        };
      else ev.responseStatus = { metadata: {}, code: status };
      const request = requestBytes <= MAX_CAPTURE_BYTES ? parseJson(requestChunks, req.headers['content-type']) : undefined;
      const meta = (request as { metadata?: Record<string, unknown> } | undefined)?.metadata;
      if (ev.objectRef && meta) {
        if (!ev.objectRef.name && typeof meta.name === 'string' && meta.name) ev.objectRef.name = meta.name;
        if (!ev.objectRef.namespace && typeof meta.namespace === 'string' && meta.namespace) ev.objectRef.namespace = meta.namespace;
      }
      if (this.level === 'RequestResponse' && !failedAuthn) {
        if (request !== undefined) ev.requestObject = request;
        if (response !== undefined) ev.responseObject = response;
      }
      emit(ev);
      if (--this.open === 0) this.idle.splice(0).forEach((done) => done());
    };
    res.once('finish', complete);
    res.once('close', complete);
  }

  private event(req: IncomingMessage, ctx: RequestContext, stage: AuditStage): AuditEvent {
    const i = ctx.info;
    const ev: AuditEvent = {
      level: this.level,
      auditID: ctx.auditId,
      stage,
      requestURI: req.url ?? '/',
      verb: i.verb,
      user: auditUser(ctx.user),
      ...(ctx.impersonatedUser ? { impersonatedUser: auditUser(ctx.impersonatedUser) } : {}),
      sourceIPs: sourceIPs(req),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
      requestReceivedTimestamp: microTime(ctx.received.getTime()),
      stageTimestamp: microTime(nowMs()),
    };
    if (i.isResourceRequest) {
      const ref: NonNullable<AuditEvent['objectRef']> = {};
      if (i.resource) ref.resource = i.resource;
      if (i.namespace) ref.namespace = i.namespace;
      if (i.name) ref.name = i.name;
      if (i.apiGroup) ref.apiGroup = i.apiGroup;
      if (i.apiVersion) ref.apiVersion = i.apiVersion;
      if (i.subresource) ref.subresource = i.subresource;
      ev.objectRef = ref;
    }
    const auth = ctx.authorization;
    if (auth) {
      ev.annotations = {
        'authorization.k8s.io/decision': auth.allowed ? 'allow' : 'forbid',
        ...(auth.reason ? { 'authorization.k8s.io/reason': auth.reason } : {}),
      };
    }
    return ev;
  }

  /**
   * An upgraded connection (exec/attach over WebSocket): ResponseStarted with 101 when it is
   * switched, ResponseComplete when the socket closes.
   */
  observeUpgraded(req: IncomingMessage, socket: Socket, ctx: RequestContext): void {
    this.open++;
    const emit = (stage: AuditStage) => {
      const ev = this.event(req, ctx, stage);
      ev.responseStatus = { metadata: {}, code: 101 };
      if (!this.omit.has(stage)) this.backend.processEvent(ev);
    };
    emit('RequestReceived');
    emit('ResponseStarted');
    socket.once('close', () => {
      emit('ResponseComplete');
      if (--this.open === 0) this.idle.splice(0).forEach((done) => done());
    });
  }
}
