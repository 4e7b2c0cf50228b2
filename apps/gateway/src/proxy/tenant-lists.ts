import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { AuthenticatedPrincipal } from '@cube/contracts';
import { RequestInfo } from '@cube/kube';
import { ServiceRequester } from '@cube/messaging';
import { visibleNamespaces } from '../tenancy/visible-namespaces';
import { ProxyTarget, upstreamRequest } from './cluster-connections';
import { ProxyError, statusOf, writeStatus } from './kube-status';
import { upstreamRequestHeaders } from './proxy-headers';
import {
  decodeContinue,
  decodeVersions,
  encodeContinue,
  encodeVersions,
  entriesOf,
  FanOutPosition,
  jsonAccept,
  labelsOf,
  listMetadata,
  mergeAnswers,
  NamespaceAnswer,
  NamespaceVersions,
  parseLabelSelector,
  parseNamespaceFieldSelector,
  wantsTable,
} from './tenant-list-merge';

/** A cluster-wide list or watch the member refused, as the proxy received it. */
export interface RefusedWideRequest {
  req: IncomingMessage;
  target: ProxyTarget;
  principal: AuthenticatedPrincipal;
  info: RequestInfo;
  /** The path prefix of the member's server URL (empty, or e.g. `/k8s`). */
  base: string;
  search: string;
  requestId: string;
  /** The member's 403, answered as it is when there is nothing to fan out to. */
  refusal: { status: number; headers: IncomingHttpHeaders; body: Buffer };
}

/** A request to the member for one namespace, read whole. */
interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Statuses of one namespace that leave it out of a tenant-wide answer: the member refuses it, or it is gone. */
const SKIPPED = new Set([403, 404]);

/** What the proxy needs of a resource's discovery. */
interface DiscoveredResource {
  namespaced: boolean;
  kind: string;
}

/** Namespaces of a tenant-wide list asked at once (a page's batch: at most this many requests go unused). */
const PARALLEL_NAMESPACES = 8;

/** How long a cluster's discovery (is a resource namespaced?) is kept. */
const DISCOVERY_TTL_MS = 5 * 60_000;

const LIST_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-cache, private' };

/**
 * Tenant-wide lists and watches through the proxy (issue #22): a caller the member refuses a
 * cluster-wide list or watch of a namespaced resource (or a list of namespaces) gets the union over
 * the namespaces Cube lets them see in that cluster instead of the 403. Each namespace is asked with
 * the caller's own impersonation, so the member's RBAC still judges every one (a namespace it
 * refuses is left out); nothing is widened. Callers with the cluster-wide right never come here:
 * their answer is the member's own, byte for byte.
 */
@Injectable()
export class TenantLists {
  private readonly logger = new Logger(TenantLists.name);
  private readonly discovery = new Map<string, { resources: Promise<Map<string, DiscoveredResource>>; expiresAt: number }>();

  constructor(private readonly bus: ServiceRequester) {}

  /** Whether a refused request is one this can answer (checked before anything is asked of the member). */
  static isWide(info: RequestInfo, path: string): boolean {
    return (
      info.isResourceRequest &&
      (info.verb === 'list' || info.verb === 'watch') &&
      !info.namespace &&
      // (info.name may be set: a metadata.name field selector names the object, as in requestinfo.go.)
      !info.subresource &&
      info.parts.length === 1 &&
      // Only /api/v1/<resource> and /apis/<group>/<version>/<resource>, not the deprecated /watch/ paths.
      path === `${groupVersionPath(info)}/${info.resource}`
    );
  }

  /** Answers `res` for a refused wide request: the fan-out, or the member's refusal when there is nothing to fan out to. */
  async serve(refused: RefusedWideRequest, res: ServerResponse): Promise<void> {
    try {
      const answered = await this.fanOut(refused, res);
      if (!answered && !res.headersSent) replay(res, refused.refusal);
    } catch (error: unknown) {
      if (!(error instanceof ProxyError)) {
        this.logger.warn({ err: error, cluster: refused.target.name, requestId: refused.requestId }, 'tenant-wide list failed');
      }
      writeStatus(res, statusOf(error));
    }
  }

  /** False when the refusal stands (nothing visible, or every namespace refused too). */
  private async fanOut(refused: RefusedWideRequest, res: ServerResponse): Promise<boolean> {
    const { info } = refused;
    const accept = jsonAccept(firstHeader(refused.req.headers['accept']));
    if (!accept) return false;
    const isNamespaces = info.apiGroup === '' && info.resource === 'namespaces';
    // A watch of namespaces needs a cluster-scope watch right even for one name: not offered (the refusal stands).
    if (isNamespaces && info.verb === 'watch') return false;
    const resource = isNamespaces ? undefined : await this.discovered(refused);
    if (!isNamespaces && !resource?.namespaced) return false;
    const namespaces = await this.namespacesOf(refused);
    if (namespaces.length === 0) return false;
    if (isNamespaces) return this.listNamespaces(refused, res, namespaces, accept);
    if (info.verb === 'watch') return this.watch(refused, res, namespaces, accept);
    return this.list(refused, res, namespaces, accept, resource?.kind ?? '');
  }

  /** The names of the namespaces of this cluster Cube lets the caller see, in the member's order. */
  private async namespacesOf(refused: RefusedWideRequest): Promise<string[]> {
    const actor = { kind: 'user' as const, name: refused.principal.name, groups: refused.principal.groups };
    const visible = await visibleNamespaces(this.bus, actor, refused.requestId, { cluster: refused.target.name });
    return [...new Set(visible.filter((namespace) => namespace.cluster === refused.target.name).map((namespace) => namespace.name))].sort(
      compareBytes,
    );
  }

  /** The resource as the member's discovery describes it (read with Cube's own identity, kept a while). */
  private async discovered(refused: RefusedWideRequest): Promise<DiscoveredResource | undefined> {
    const { target, info, base } = refused;
    const key = `${target.name}\u0000${target.fingerprint}\u0000${groupVersionPath(info)}`;
    let entry = this.discovery.get(key);
    if (!entry || entry.expiresAt <= Date.now()) {
      const resources = this.request(target, `${base}${groupVersionPath(info)}`, discoveryHeaders(target)).then((answer) => {
        if (answer.status !== 200) throw new ProxyError(503, `discovery of ${groupVersionPath(info)} failed in cluster "${target.name}"`);
        const listed =
          (JSON.parse(answer.body.toString('utf8')) as { resources?: (DiscoveredResource & { name: string })[] }).resources ?? [];
        return new Map(listed.map((resource) => [resource.name, { namespaced: resource.namespaced, kind: resource.kind }]));
      });
      entry = { resources, expiresAt: Date.now() + DISCOVERY_TTL_MS };
      this.discovery.set(key, entry);
      resources.catch(() => this.discovery.delete(key));
    }
    return (await entry.resources).get(info.resource);
  }

  /** A paged list: namespace after namespace from the token's position until `limit` items are read. */
  private async list(
    refused: RefusedWideRequest,
    res: ServerResponse,
    namespaces: string[],
    accept: string,
    kind: string,
  ): Promise<boolean> {
    const query = new URLSearchParams(refused.search);
    const limit = Math.max(0, Math.floor(Number(query.get('limit') ?? 0))) || 0;
    const token = query.get('continue');
    const position: FanOutPosition | undefined = token ? decodeContinue(token) : undefined;
    const asked = query.get('resourceVersion');
    const requested = asked !== null && asked !== '' ? decodeVersions(asked) : undefined;
    const versions: NamespaceVersions = { ...(position?.versions ?? {}) };
    const start = position ? namespaces.findIndex((namespace) => compareBytes(namespace, position.namespace) >= 0) : 0;
    const answers: NamespaceAnswer[] = [];
    let read = 0;
    let next: FanOutPosition | undefined;
    let answeredAny = false;
    const ask = (namespace: string, room: number) => {
      const inner = position && namespace === position.namespace ? position.inner : undefined;
      const params = new URLSearchParams(query);
      params.delete('continue');
      params.delete('limit');
      if (inner) {
        params.set('continue', inner);
        params.delete('resourceVersion');
        params.delete('resourceVersionMatch');
      } else if (requested) {
        const version = 'all' in requested ? requested.all : requested.each[namespace];
        if (version === undefined) {
          params.delete('resourceVersion');
          params.delete('resourceVersionMatch');
        } else params.set('resourceVersion', version);
      }
      if (limit > 0) params.set('limit', String(room));
      return this.request(refused.target, scopedPath(refused, namespace, params), this.headers(refused, accept));
    };
    // A few namespaces at a time, each asked for what room the page had when the batch went out. A
    // namespace is taken whole or left to the next page (the member's continue can only resume where
    // its own page ended), so a page may hold fewer than `limit` items, as the API allows.
    let done = false;
    for (let i = start < 0 ? namespaces.length : start; !done && i < namespaces.length; i += PARALLEL_NAMESPACES) {
      const batch = namespaces.slice(i, i + PARALLEL_NAMESPACES);
      const room = limit - read;
      const replies = await Promise.all(batch.map((namespace) => ask(namespace, room)));
      for (const [k, answer] of replies.entries()) {
        const namespace = batch[k] ?? '';
        if (SKIPPED.has(answer.status)) continue;
        if (answer.status !== 200) {
          // A continue the member calls expired (410), a failure of the member: its answer is the answer.
          replay(res, answer);
          return true;
        }
        const body = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
        const count = entriesOf(body).length;
        if (limit > 0 && read + count > limit) {
          next = { namespace, versions };
          done = true;
          break;
        }
        answeredAny = true;
        const meta = listMetadata(body);
        if (meta.resourceVersion) versions[namespace] = meta.resourceVersion;
        answers.push({ namespace, body });
        read += count;
        if (meta.continue) {
          next = { namespace, inner: meta.continue, versions };
          done = true;
          break;
        }
        if (limit > 0 && read >= limit) {
          const following = namespaces[i + k + 1];
          if (following !== undefined) next = { namespace: following, versions };
          done = true;
          break;
        }
      }
    }
    // A first page where the member refused every namespace: the refusal stands. A later page answers
    // what is left, even when that is nothing.
    if (!answeredAny && !position) return false;
    const merged = mergeAnswers(
      answers,
      { resourceVersion: encodeVersions(versions), ...(next ? { continue: encodeContinue(next) } : {}) },
      { kind: `${kind}List`, apiVersion: apiVersionOf(refused.info), table: wantsTable(accept) },
    );
    sendJson(res, merged);
    return true;
  }

  /**
   * `kubectl get namespaces`: each visible namespace got with the caller's identity (their RBAC
   * allows reading their own namespaces, never listing them), selectors applied here, pages by name.
   */
  private async listNamespaces(refused: RefusedWideRequest, res: ServerResponse, namespaces: string[], accept: string): Promise<boolean> {
    const query = new URLSearchParams(refused.search);
    const labels = query.get('labelSelector') ? parseLabelSelector(query.get('labelSelector') ?? '') : [];
    const fields = query.get('fieldSelector') ? parseNamespaceFieldSelector(query.get('fieldSelector') ?? '') : [];
    const limit = Math.max(0, Math.floor(Number(query.get('limit') ?? 0))) || 0;
    const token = query.get('continue');
    const position = token ? decodeContinue(token) : undefined;
    const table = wantsTable(accept);
    const selecting = labels.length > 0 || fields.length > 0;
    const versions: NamespaceVersions = { ...(position?.versions ?? {}) };
    const answers: NamespaceAnswer[] = [];
    let next: FanOutPosition | undefined;
    let answeredAny = false;
    /** A namespace the member let the caller get (its Table gives the columns of an answer without rows). */
    let readable: string | undefined;
    const params = new URLSearchParams();
    if (query.get('includeObject')) params.set('includeObject', query.get('includeObject') ?? '');
    const suffix = params.size > 0 ? `?${params.toString()}` : '';
    for (const namespace of namespaces) {
      if (position && compareBytes(namespace, position.namespace) < 0) continue;
      if (limit > 0 && answers.length >= limit) {
        next = { namespace, versions };
        break;
      }
      const path = `${refused.base}/api/v1/namespaces/${encodeURIComponent(namespace)}`;
      let object: Record<string, unknown> | undefined;
      if (selecting || !table) {
        const answer = await this.request(refused.target, path, this.headers(refused, 'application/json'));
        if (SKIPPED.has(answer.status)) continue;
        if (answer.status !== 200) {
          replay(res, answer);
          return true;
        }
        answeredAny = true;
        readable ??= namespace;
        object = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
        if (!labels.every((matches) => matches(labelsOf(object ?? {}))) || !fields.every((matches) => matches(object ?? {}))) continue;
      }
      if (table) {
        const answer = await this.request(refused.target, `${path}${suffix}`, this.headers(refused, accept));
        if (SKIPPED.has(answer.status)) continue;
        if (answer.status !== 200) {
          replay(res, answer);
          return true;
        }
        answeredAny = true;
        const body = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
        const version = listMetadata(body).resourceVersion;
        if (version) versions[namespace] = version;
        answers.push({ namespace, body });
      } else if (object) {
        const { apiVersion: _apiVersion, kind: _kind, ...item } = object;
        const version = (object['metadata'] as Record<string, unknown> | undefined)?.['resourceVersion'];
        if (typeof version === 'string') versions[namespace] = version;
        answers.push({ namespace, body: { kind: 'NamespaceList', apiVersion: 'v1', items: [item] } });
      }
    }
    if (!answeredAny && !position) return false;
    if (table && answers.length === 0 && readable) {
      // Nothing selected: a Table without rows still has the member's columns, as the member's own would.
      const path = `${refused.base}/api/v1/namespaces/${encodeURIComponent(readable)}${suffix}`;
      const answer = await this.request(refused.target, path, this.headers(refused, accept));
      if (answer.status === 200) {
        const body = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
        answers.push({ namespace: readable, body: { ...body, rows: [] } });
      }
    }
    const merged = mergeAnswers(
      answers,
      { resourceVersion: encodeVersions(versions), ...(next ? { continue: encodeContinue(next) } : {}) },
      { kind: 'NamespaceList', apiVersion: 'v1', table },
    );
    sendJson(res, merged);
    return true;
  }

  /**
   * One watch per namespace, merged into one stream: events as the member writes them (a Table's
   * columns only in the first one), bookmarks carrying every namespace's resourceVersion, an ERROR or
   * the end of any one stream ending them all (the client resumes from its last bookmark or list).
   */
  private async watch(refused: RefusedWideRequest, res: ServerResponse, namespaces: string[], accept: string): Promise<boolean> {
    const query = new URLSearchParams(refused.search);
    const asked = query.get('resourceVersion');
    const requested = asked !== null && asked !== '' ? decodeVersions(asked) : undefined;
    const headers = this.headers(refused, accept);
    const opened = await Promise.all(
      namespaces.map(
        (namespace) =>
          new Promise<{ namespace: string; request: ClientRequest; answer?: IncomingMessage; error?: Error }>((resolve) => {
            const params = new URLSearchParams(query);
            if (requested) {
              const version = 'all' in requested ? requested.all : requested.each[namespace];
              if (version === undefined) params.delete('resourceVersion');
              else params.set('resourceVersion', version);
            }
            const request = upstreamRequest(refused.target, 'GET', scopedPath(refused, namespace, params), headers);
            request.once('response', (answer) => resolve({ namespace, request, answer }));
            request.once('error', (error) => resolve({ namespace, request, error }));
            request.end();
          }),
      ),
    );
    const closeAll = () => {
      for (const stream of opened) stream.request.destroy();
    };
    const failed = opened.find((stream) => stream.error);
    if (failed) {
      closeAll();
      throw new ProxyError(503, `cluster "${refused.target.name}" is not reachable: ${failed.error?.message ?? ''}`);
    }
    const watching = opened.filter((stream) => stream.answer?.statusCode === 200);
    const refusedBy = opened.filter((stream) => stream.answer && stream.answer.statusCode !== 200);
    const broken = refusedBy.find((stream) => !SKIPPED.has(stream.answer?.statusCode ?? 0));
    if (broken?.answer) {
      const answer = await readWhole(broken.answer);
      closeAll();
      replay(res, answer);
      return true;
    }
    for (const stream of refusedBy) stream.answer?.resume();
    if (watching.length === 0) return false;

    const versions: NamespaceVersions = requested && 'each' in requested ? { ...requested.each } : {};
    const initialEnds = new Set<string>();
    let headed = false;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      closeAll();
      res.end();
    };
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    res.once('close', end);
    const deliver = (namespace: string, line: string) => {
      if (ended || line.trim() === '') return;
      let event: { type?: string; object?: Record<string, unknown> };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        return;
      }
      const object = event.object ?? {};
      const metadata = (object['metadata'] ?? {}) as Record<string, unknown>;
      if (typeof metadata['resourceVersion'] === 'string' && event.type !== 'ERROR') versions[namespace] = metadata['resourceVersion'];
      let out = line;
      if (event.type === 'BOOKMARK') {
        const annotations = (metadata['annotations'] ?? {}) as Record<string, string>;
        if (annotations['k8s.io/initial-events-end'] === 'true') {
          // The merged initial events end when every namespace's have.
          initialEnds.add(namespace);
          if (initialEnds.size < watching.length) return;
        }
        out = JSON.stringify({ ...event, object: { ...object, metadata: { ...metadata, resourceVersion: encodeVersions(versions) } } });
      } else if (object['kind'] === 'Table' && event.type !== 'ERROR') {
        if (headed && 'columnDefinitions' in object) {
          const { columnDefinitions: _columns, ...rest } = object;
          out = JSON.stringify({ ...event, object: rest });
        }
        headed = true;
      }
      res.write(`${out}\n`);
      if (event.type === 'ERROR') end();
    };
    for (const stream of watching) {
      const answer = stream.answer as IncomingMessage;
      let pending = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk: string) => {
        pending += chunk;
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
          deliver(stream.namespace, pending.slice(0, newline));
          pending = pending.slice(newline + 1);
        }
      });
      answer.once('end', () => {
        deliver(stream.namespace, pending);
        end();
      });
      answer.once('error', end);
    }
    return true;
  }

  /** The caller's request headers for the member (impersonation as for every proxied request), answers not compressed. */
  private headers(refused: RefusedWideRequest, accept: string): OutgoingHttpHeaders {
    const headers = upstreamRequestHeaders(refused.req.headers, {
      authorization: refused.target.authorization,
      principal: refused.principal,
      requestId: refused.requestId,
    });
    delete headers['accept-encoding'];
    delete headers['content-length'];
    delete headers['content-type'];
    headers['accept'] = accept;
    return headers;
  }

  private request(target: ProxyTarget, path: string, headers: OutgoingHttpHeaders): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const request = upstreamRequest(target, 'GET', path, headers);
      request.once('response', (answer) => readWhole(answer).then(resolve, reject));
      request.once('error', (error: NodeJS.ErrnoException) =>
        reject(new ProxyError(503, `cluster "${target.name}" is not reachable: ${error.code ?? error.message}`)),
      );
      request.end();
    });
  }
}

function readWhole(answer: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    answer.on('data', (chunk: Buffer) => chunks.push(chunk));
    answer.once('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
    answer.once('error', reject);
  });
}

/** `/api/v1` or `/apis/<group>/<version>`. */
function groupVersionPath(info: RequestInfo): string {
  return info.apiGroup ? `/apis/${info.apiGroup}/${info.apiVersion}` : `/api/${info.apiVersion}`;
}

function apiVersionOf(info: RequestInfo): string {
  return info.apiGroup ? `${info.apiGroup}/${info.apiVersion}` : info.apiVersion;
}

function scopedPath(refused: RefusedWideRequest, namespace: string, params: URLSearchParams): string {
  const query = params.toString();
  return `${refused.base}${groupVersionPath(refused.info)}/namespaces/${encodeURIComponent(namespace)}/${refused.info.resource}${query ? `?${query}` : ''}`;
}

function discoveryHeaders(target: ProxyTarget): OutgoingHttpHeaders {
  return { accept: 'application/json', ...(target.authorization ? { authorization: target.authorization } : {}) };
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { ...LIST_HEADERS, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A member's answer as it came (status, content type, body). */
function replay(res: ServerResponse, answer: Answer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: OutgoingHttpHeaders = { 'content-length': answer.body.length };
  for (const name of ['content-type', 'content-encoding', 'cache-control', 'audit-id', 'warning']) {
    const value = answer.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}
