import type { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { AuthenticatedPrincipal, CubeError } from '@cube/contracts';
import { parseRequestInfo, RequestInfo } from '@cube/kube';
import { REQUEST_ID_HEADER } from '@cube/observability';
import { CredentialVerifier } from '../authn/credential-verifier';
import { GatewayEnvironment } from '../config/gateway-environment';
import { GATEWAY_ENVIRONMENT } from '../config/tokens';
import { ClusterConnections, ProxyTarget, upstreamRequest } from './cluster-connections';
import { isAudited, isStreamingRequest } from './kube-request';
import { NamespacePlacements, Placement } from './namespace-placements';
import { KubeStatus, ProxyError, statusHeaders, statusOf, writeStatus } from './kube-status';
import { answerLingering } from './lingering-close';
import { ProxyBus } from './proxy-bus';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './proxy-headers';
import { TenantLists } from './tenant-lists';

export const PROXY_PREFIX = '/api/v1/proxy/clusters/';

/** A DNS label, as cluster names are (RegisterClusterBody). */
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The browser form of a bearer token on a WebSocket (browsers cannot set headers), as kube-apiserver
 * reads it: a subprotocol `base64url.bearer.authorization.k8s.io.<token>`.
 */
const WEBSOCKET_TOKEN_PROTOCOL = 'base64url.bearer.authorization.k8s.io.';

export interface ProxyUrl {
  cluster: string;
  /** The Kubernetes path, starting with `/`, as the caller wrote it (still percent-encoded). */
  path: string;
  /** The query string with its `?`, or empty. */
  search: string;
}

/** `/api/v1/proxy/clusters/<cluster>/<path>?<query>`; `undefined` for anything else. */
export function splitProxyUrl(url: string): ProxyUrl | undefined {
  if (!url.startsWith(PROXY_PREFIX)) return undefined;
  const rest = url.slice(PROXY_PREFIX.length);
  const queryAt = rest.indexOf('?');
  const pathPart = queryAt < 0 ? rest : rest.slice(0, queryAt);
  const search = queryAt < 0 ? '' : rest.slice(queryAt);
  const slash = pathPart.indexOf('/');
  const cluster = slash < 0 ? pathPart : pathPart.slice(0, slash);
  const path = slash < 0 ? '/' : pathPart.slice(slash);
  return { cluster, path, search };
}

/** `.` and `..` segments (also percent-encoded) could step out of a server URL's path prefix. */
function hasDotSegment(path: string): boolean {
  // Most paths have no dot at all: no need to split them.
  if (!path.includes('.') && !/%2e/i.test(path)) return false;
  return path.split('/').some((segment) => {
    const decoded = segment.replace(/%2e/gi, '.');
    return decoded === '.' || decoded === '..';
  });
}

interface Prepared {
  target: ProxyTarget;
  principal: AuthenticatedPrincipal;
  info: RequestInfo;
  url: ProxyUrl;
  /** A watch or a followed log: the answer streams for as long as the caller reads it. */
  streaming: boolean;
  audited: boolean;
  /** A cluster-wide list or watch: when the member refuses it, TenantLists answers with the caller's namespaces. */
  wide: boolean;
  base: string;
  upstreamPath: string;
  /** Tenant and project of the namespace addressed, when Cube knows them (the proxy's user extras). */
  placement?: Placement | null;
}

/**
 * The native Kubernetes API proxy: the caller's request goes to the member kube-apiserver with
 * Cube's credentials for that cluster and the caller as `Impersonate-User`/`Impersonate-Group`, so
 * the member's RBAC decides. Bodies and responses stream through untouched in both directions.
 */
@Injectable()
export class KubeApiProxy {
  private readonly logger = new Logger(KubeApiProxy.name);

  constructor(
    private readonly verifier: CredentialVerifier,
    private readonly connections: ClusterConnections,
    private readonly bus: ProxyBus,
    @Inject(GATEWAY_ENVIRONMENT) private readonly env: GatewayEnvironment,
    private readonly lists: TenantLists,
    @Optional() private readonly placements?: NamespacePlacements,
  ) {}

  /**
   * A plain HTTP request (every method, watch and follow included). `fastPath`: served from the HTTP
   * server's `request` event (ProxyFastPath), where no middleware runs, so the proxy writes the
   * request's log line and answers `X-Request-Id` itself.
   */
  handle(req: IncomingMessage, res: ServerResponse, requestId: string, fastPath = false): Promise<void> {
    const started = performance.now();
    let prepared: Prepared | undefined;
    let url: ProxyUrl;
    let token: string | undefined;
    try {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (Number.isFinite(declared) && declared > this.env.CUBE_PROXY_MAX_BODY_BYTES) {
        throw this.tooLarge();
      }
      url = proxyUrlOf(req);
      token = bearerOf(req);
      // Credential and cluster both cached (nearly every request): no await on the way upstream.
      prepared = this.prepareFromCache(req, url, token);
    } catch (error: unknown) {
      this.refused(req, res, error, started, requestId, fastPath);
      return RESOLVED;
    }
    if (prepared) {
      this.forward(req, res, prepared, requestId, started, fastPath);
      return RESOLVED;
    }
    return this.prepare(req, url, token, requestId).then(
      (ready) => this.forward(req, res, ready, requestId, started, fastPath),
      (error: unknown) => this.refused(req, res, error, started, requestId, fastPath),
    );
  }

  private refused(req: IncomingMessage, res: ServerResponse, error: unknown, started: number, requestId: string, fastPath: boolean): void {
    const status = statusOf(error);
    if (fastPath && !res.headersSent) res.setHeader(REQUEST_ID_HEADER, requestId);
    this.refuse(req, res, status);
    if (fastPath) this.logOutcome(req, status.code, started, requestId, undefined, false);
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    prepared: Prepared,
    requestId: string,
    started: number,
    fastPath: boolean,
  ): void {
    if (fastPath) res.setHeader(REQUEST_ID_HEADER, requestId);
    this.forwardUpstream(req, res, prepared, requestId, started, fastPath, prepared.streaming);
  }

  /**
   * The request to the member on the cluster's keep-alive agent, the body streamed and cut at the size
   * limit, the answer streamed back. (undici's Pool was measured as the upstream client instead: it
   * cost more CPU per proxied GET than Node's client here; see bench/results/proxy-profile.md.)
   */
  private forwardUpstream(
    req: IncomingMessage,
    res: ServerResponse,
    prepared: Prepared,
    requestId: string,
    started: number,
    logOutcome: boolean,
    streaming: boolean,
  ): void {
    const { target, principal, info, audited, upstreamPath } = prepared;
    const upstream = upstreamRequest(
      target,
      req.method,
      upstreamPath,
      upstreamRequestHeaders(req.headers, { authorization: target.authorization, principal, requestId, ...prepared.placement }),
    );
    let code = 0;
    // A create names its object in the body, not the path: the audit record takes the name from the
    // member's answer, read alongside the stream to the client (never holding it back).
    const created = audited && info.verb === 'create' && !info.name && !streaming ? new CreatedObjectName() : undefined;
    upstream.on('response', (answer) => {
      code = answer.statusCode ?? 502;
      if (code === 403 && prepared.wide) {
        void this.tenantWide(req, res, prepared, answer, requestId).finally(() => (code = res.statusCode));
        return;
      }
      res.writeHead(code, answer.statusMessage, downstreamResponseHeaders(answer.headers));
      // Watch events and followed logs reach the client as the member writes them.
      if (streaming) res.flushHeaders();
      if (created) answer.on('data', (chunk: Buffer) => created.add(chunk));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      // Destroyed because the client went away or the body grew too large: already answered.
      if (res.destroyed || code === 413) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      code = 503;
      this.logger.warn(
        { cluster: target.name, requestId, err: { code: error.code, message: error.message } },
        'member kube-apiserver not reachable',
      );
      writeStatus(res, statusOf(new ProxyError(503, `cluster "${target.name}" is not reachable: ${error.code ?? error.message}`)));
    });
    // The client went away before the answer was complete: so does the request to the member.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
      if (audited) this.audit(prepared, req, code || 499, started, requestId, created?.name());
      if (logOutcome) this.logOutcome(req, code || 499, started, requestId, target.name, audited);
    });

    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // Once refused, the rest of the body is only drained.
      if (received <= this.env.CUBE_PROXY_MAX_BODY_BYTES || code === 413) return;
      // A chunked body that grows past the limit: the member never sees a partial write.
      req.unpipe(upstream);
      upstream.destroy();
      code = 413;
      this.refuse(req, res, statusOf(this.tooLarge()));
    });
    req.pipe(upstream);
  }

  /**
   * The member refused a cluster-wide list or watch: the caller gets the union over their namespaces
   * instead (TenantLists), or this refusal when there is none.
   */
  private tenantWide(
    req: IncomingMessage,
    res: ServerResponse,
    prepared: Prepared,
    answer: IncomingMessage,
    requestId: string,
  ): Promise<void> {
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.once('end', () => resolve(Buffer.concat(chunks)));
      answer.once('error', reject);
    }).then(
      (body) =>
        this.lists.serve(
          {
            req,
            target: prepared.target,
            principal: prepared.principal,
            info: prepared.info,
            base: prepared.base,
            search: prepared.url.search,
            requestId,
            refusal: { status: 403, headers: answer.headers, body },
          },
          res,
        ),
      () => void res.destroy(),
    );
  }

  /** A WebSocket upgrade (exec, attach, port-forward): forwarded, then both sockets are spliced as they are. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, requestId: string): Promise<void> {
    const started = performance.now();
    socket.on('error', () => socket.destroy());
    const { token, headers: clientHeaders } = websocketCredential(req);
    let prepared: Prepared;
    try {
      prepared = await this.prepare(req, proxyUrlOf(req), token, requestId);
    } catch (error: unknown) {
      writeRawStatus(socket, statusOf(error));
      return;
    }
    const { target, principal, audited, upstreamPath } = prepared;
    const upstream = upstreamRequest(
      target,
      req.method,
      upstreamPath,
      upstreamRequestHeaders(clientHeaders, { authorization: target.authorization, principal, requestId, ...prepared.placement }, true),
    );
    let code = 0;
    const finish = () => {
      if (audited && code !== -1) this.audit(prepared, req, code || 499, started, requestId);
      code = -1;
    };
    socket.once('close', () => {
      upstream.destroy();
      finish();
    });
    upstream.on('upgrade', (answer, upstreamSocket, upstreamHead) => {
      code = 101;
      // The member's 101 as it sent it, so the subprotocol it chose reaches the client unchanged.
      socket.write(statusLine(answer) + rawHeaderLines(answer.rawHeaders, false) + '\r\n');
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      if (head.length > 0) upstreamSocket.write(head);
      // Interactive streams: every keystroke and output chunk goes out at once.
      upstreamSocket.setNoDelay(true);
      if (socket instanceof Socket) socket.setNoDelay(true);
      upstreamSocket.on('error', () => socket.destroy());
      upstreamSocket.once('close', () => socket.destroy());
      socket.once('close', () => upstreamSocket.destroy());
      upstreamSocket.pipe(socket);
      socket.pipe(upstreamSocket);
    });
    upstream.on('response', (answer) => {
      // The member refused the upgrade (403, 404, 400 …): its answer passes through, then the socket closes.
      code = answer.statusCode ?? 502;
      socket.write(statusLine(answer) + rawHeaderLines(answer.rawHeaders, true) + 'Connection: close\r\n\r\n');
      answer.pipe(socket);
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (code !== 0) return;
      code = 503;
      writeRawStatus(socket, statusOf(new ProxyError(503, `cluster "${target.name}" is not reachable: ${error.code ?? error.message}`)));
    });
    upstream.end();
  }

  private async prepare(req: IncomingMessage, url: ProxyUrl, token: string | undefined, requestId: string): Promise<Prepared> {
    const principal = await this.authenticate(token, requestId);
    const target = await this.connections.target(url.cluster, requestId);
    const prepared = this.prepared(req, url, principal, target);
    if (this.placements && prepared.info.namespace)
      prepared.placement = await this.placements.of(target.name, prepared.info.namespace, requestId);
    return prepared;
  }

  /** prepare() from the credential and connection caches alone; undefined when either must be asked for. */
  private prepareFromCache(req: IncomingMessage, url: ProxyUrl, token: string | undefined): Prepared | undefined {
    if (!token) return undefined;
    const principal = this.verifier.cachedPrincipal(token);
    const target = principal && this.connections.cached(url.cluster);
    if (!target) return undefined;
    const prepared = this.prepared(req, url, principal, target);
    if (!this.placements || !prepared.info.namespace) return prepared;
    prepared.placement = this.placements.cached(target.name, prepared.info.namespace);
    return prepared.placement === undefined ? undefined : prepared;
  }

  private prepared(req: IncomingMessage, url: ProxyUrl, principal: AuthenticatedPrincipal, target: ProxyTarget): Prepared {
    if (target.status !== 'normal') {
      throw new ProxyError(503, `cluster "${target.name}" is ${target.status}, not normal: its API is not available through Cube now`);
    }
    const { info, streaming, wide } = parsedRequest(req.method ?? 'GET', url);
    const audited = isAudited(info, this.env.CUBE_PROXY_AUDIT_READS);
    if (audited && !this.bus.auditReady)
      throw new ProxyError(503, 'the audit trail is not reachable: requests that must be audited are refused');
    const pathname = target.server.pathname;
    const base = pathname === '/' ? '' : pathname.replace(/\/+$/, '');
    return { target, principal, info, url, streaming, audited, wide, base, upstreamPath: `${base}${url.path}${url.search}` };
  }

  private async authenticate(token: string | undefined, requestId: string): Promise<AuthenticatedPrincipal> {
    if (!token) throw new ProxyError(401, 'missing bearer token');
    try {
      return CredentialVerifier.isApiToken(token)
        ? await this.verifier.verifyApiToken(token, requestId)
        : await this.verifier.verifyAccessToken(token, requestId);
    } catch (error: unknown) {
      if (error instanceof CubeError) throw error;
      throw new ProxyError(503, 'credentials could not be checked');
    }
  }

  /**
   * One line per proxied request, without costing reads a synchronous write each: failures (5xx)
   * at warn, audited requests and the proxy's own refusals at info, everything else at debug.
   */
  private logOutcome(
    req: IncomingMessage,
    code: number,
    started: number,
    requestId: string,
    cluster: string | undefined,
    audited: boolean,
  ): void {
    const level = code >= 500 ? 'warn' : audited || cluster === undefined ? 'info' : 'debug';
    if (level === 'debug' && PinoLogger.root && !PinoLogger.root.isLevelEnabled('debug')) return;
    const line = {
      requestId,
      ...(cluster ? { cluster } : {}),
      req: { method: req.method, url: req.url },
      res: { statusCode: code },
      responseTime: Math.round(performance.now() - started),
    };
    if (level === 'warn') this.logger.warn(line, 'proxied request failed');
    else if (level === 'info') this.logger.log(line, 'proxied request');
    else this.logger.debug(line, 'proxied request');
  }

  private tooLarge(): ProxyError {
    return new ProxyError(413, `the request body is larger than ${this.env.CUBE_PROXY_MAX_BODY_BYTES} bytes`);
  }

  /**
   * Answers from the proxy itself. A body still arriving is read and discarded (bounded) before the
   * connection closes, so the client's writes meet no reset while the answer is on its way (answerLingering).
   */
  private refuse(req: IncomingMessage, res: ServerResponse, status: KubeStatus): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify(status);
    answerLingering(req, res, status.code, statusHeaders(body), body);
  }

  private audit(prepared: Prepared, req: IncomingMessage, code: number, started: number, requestId: string, createdName?: string): void {
    const { info, principal, target } = prepared;
    const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
    const failed = code >= 400 || code === 0;
    const userAgent = req.headers['user-agent'];
    this.bus
      .audit({
        source: 'kubernetes',
        requestId,
        actor: { kind: 'user', name: principal.name, groups: principal.groups },
        action: info.verb,
        target: {
          kind: resource,
          name: info.name || createdName || '',
          cluster: target.name,
          resource,
          ...(info.namespace ? { namespace: info.namespace } : {}),
          ...(info.apiGroup ? { apiGroup: info.apiGroup } : {}),
          ...(info.subresource ? { subresource: info.subresource } : {}),
        },
        outcome: failed ? 'failure' : 'success',
        ...(failed ? { reason: code === 499 ? 'client closed the request' : `HTTP ${code}` } : {}),
        code,
        latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
        ...(req.socket.remoteAddress ? { sourceIp: req.socket.remoteAddress } : {}),
        ...(typeof userAgent === 'string' ? { userAgent } : {}),
      })
      .catch((error: unknown) =>
        // The outbox was full: the request already happened, so this is all that can be done.
        this.logger.error({ err: error, requestId, cluster: target.name, verb: info.verb }, 'audit record of a proxied request not stored'),
      );
  }
}

/**
 * What a method, path and query mean to Kubernetes (verb, resource, namespace, name; streaming or
 * not), by the request line: clients repeat the same few requests, and this depends on nothing else.
 * Bounded: emptied when full.
 */
interface Parsed {
  info: RequestInfo;
  streaming: boolean;
  /** A list or watch across all namespaces (or of namespaces) that TenantLists can answer when refused. */
  wide: boolean;
}

const PARSED = new Map<string, Parsed>();
const PARSED_LIMIT = 4096;
const PARSED_KEY_LIMIT = 512;

function parsedRequest(method: string, url: ProxyUrl): Parsed {
  const key = `${method} ${url.path}${url.search}`;
  let parsed = PARSED.get(key);
  if (!parsed) {
    const query = new URLSearchParams(url.search);
    const info = parseRequestInfo(method, url.path, query);
    parsed = { info, streaming: isStreamingRequest(info, query), wide: method === 'GET' && TenantLists.isWide(info, url.path) };
    // Long request lines (continue tokens, selectors) are seldom repeated: not kept.
    if (key.length <= PARSED_KEY_LIMIT) {
      if (PARSED.size >= PARSED_LIMIT) PARSED.clear();
      PARSED.set(key, parsed);
    }
  }
  return parsed;
}

const RESOLVED = Promise.resolve();

/** The `metadata.name` of the object a create returned, from the first bytes of the answer (objects are small). */
class CreatedObjectName {
  private static readonly LIMIT = 256 * 1024;
  private readonly chunks: Buffer[] = [];
  private size = 0;

  add(chunk: Buffer): void {
    if (this.size > CreatedObjectName.LIMIT) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  name(): string | undefined {
    if (this.size === 0 || this.size > CreatedObjectName.LIMIT) return undefined;
    try {
      const object = JSON.parse(Buffer.concat(this.chunks).toString('utf8')) as { kind?: unknown; metadata?: { name?: unknown } };
      return object.kind !== 'Status' && typeof object.metadata?.name === 'string' ? object.metadata.name : undefined;
    } catch {
      // Not JSON (protobuf, or cut short): the record names no object.
      return undefined;
    }
  }
}

/** The request's proxy URL, checked: a cluster name and no dot segment. */
function proxyUrlOf(req: IncomingMessage): ProxyUrl {
  const url = splitProxyUrl(req.url ?? '');
  if (!url || !CLUSTER_NAME.test(url.cluster))
    throw new ProxyError(404, 'no such cluster: the path is /api/v1/proxy/clusters/<cluster>/<kubernetes path>');
  if (hasDotSegment(url.path)) throw new ProxyError(400, 'the path may not contain "." or ".." segments');
  return url;
}

function bearerOf(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
}

/** The token of a WebSocket request (header, or the browser subprotocol form) and the headers without the subprotocol token. */
function websocketCredential(req: IncomingMessage): { token: string | undefined; headers: IncomingMessage['headers'] } {
  const header = bearerOf(req);
  const offered = (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const tokenProtocol = offered.find((p) => p.startsWith(WEBSOCKET_TOKEN_PROTOCOL));
  if (!tokenProtocol) return { token: header, headers: req.headers };
  const rest = offered.filter((p) => p !== tokenProtocol);
  const headers = { ...req.headers };
  if (rest.length > 0) headers['sec-websocket-protocol'] = rest.join(', ');
  else delete headers['sec-websocket-protocol'];
  const fromProtocol = Buffer.from(tokenProtocol.slice(WEBSOCKET_TOKEN_PROTOCOL.length), 'base64url').toString('utf8');
  return { token: header ?? fromProtocol, headers };
}

function statusLine(answer: IncomingMessage): string {
  return `HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ''}\r\n`;
}

const RAW_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection']);

/** Header lines as the member sent them; for a refused upgrade without its connection headers (the socket closes after). */
function rawHeaderLines(raw: string[], dropConnection: boolean): string {
  let lines = '';
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (dropConnection && RAW_HOP_BY_HOP.has(name.toLowerCase())) continue;
    lines += `${name}: ${raw[i + 1] ?? ''}\r\n`;
  }
  return lines;
}

/** A Status answered on an upgrade socket (no ServerResponse exists there), then the socket closes. */
function writeRawStatus(socket: Duplex, status: KubeStatus): void {
  const body = JSON.stringify(status);
  socket.end(
    `HTTP/1.1 ${status.code} ${status.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
