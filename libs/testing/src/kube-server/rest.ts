// REST handlers for resource requests (/api/v1/..., /apis/{group}/{version}/...): decoding,
// query parameters, Table output, subresources (status, scale, log, finalize), and the
// virtual review resources; object semantics live in ObjectApi.
import { IncomingMessage, ServerResponse } from 'node:http';
import { selfSubjectRulesReview, subjectAccessReview } from './access-reviews';
import { goJsonError, readBody, readBodyBuffer, sendJson } from './http-util';
import { decodeKubernetesProtobuf, ProtobufError } from './protobuf';
import { managerFromUserAgent } from './managed-fields';
import { DeleteOptions, ListOptions, ObjectApi } from './object-api';
import { isPatchError, PatchAlgorithms } from './patch-contract';
import { Authorizer, RequestInfo, UserInfo } from './pipeline';
import { parseYamlBody } from './yaml-body';
import { RbacRuleResolver } from './rbac';
import { PodLogs } from './pod-logs';
import { groupVersionString, ResourceType } from './resources';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';
import { ApiError, errors, failure, success } from './status';
import { IncludeObject, renderTable, wantsTable } from './table';
import { at, clone, isObject, KubeObject } from './types';
import { serveWatch } from './watch';

export interface RestContext {
  api: ObjectApi;
  patch: PatchAlgorithms;
  authorize: Authorizer;
  /** TokenReview: the request authenticator's answer for a bearer token alone. */
  authenticateToken: (token: string, audiences: string[]) => Promise<{ user?: UserInfo; audiences?: string[]; error?: string }>;
  /** POST serviceaccounts/{name}/token (TokenRequest). */
  createToken?: (namespace: string, name: string, body: KubeObject) => Promise<KubeObject>;
  bookmarkIntervalMs: number;
  podLogs: PodLogs;
}

const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/** Decodes a request body the way the real decoder reports failures. */
const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** Reads and decodes a request body: JSON, YAML, or kubectl's protobuf for the kinds protobuf.ts knows. */
async function readObject(req: IncomingMessage, kind: string): Promise<KubeObject> {
  const ct = mediaType(req);
  const raw = await readBodyBuffer(req);
  if (ct === PROTOBUF) {
    try {
      return decodeKubernetesProtobuf(raw) as unknown as KubeObject;
    } catch (e) {
      if (e instanceof ProtobufError) throw errors.unsupportedMediaType(['application/json', 'application/yaml']);
      throw e;
    }
  }
  return decodeBody(raw.toString('utf8'), ct, kind);
}

function decodeBody(text: string, contentType: string, kind: string): KubeObject {
  let parsed: unknown;
  const yaml = contentType === 'application/yaml' || contentType === 'application/apply-patch+yaml';
  try {
    parsed = yaml ? parseYamlBody(text) : JSON.parse(text);
  } catch (e) {
    const why = yaml
      ? `error converting YAML to JSON: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`
      : `couldn't get version/kind; json parse error: ${goJsonError(e)} (${text.slice(0, 50)})`;
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${kind}): ${why}`);
  }
  if (!isObject(parsed))
    throw errors.badRequest(
      `the object provided is unrecognized (must be of type ${kind}): couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
    );
  return parsed as unknown as KubeObject;
}

function checkKind(type: ResourceType, body: KubeObject): void {
  const gv = groupVersionString(type.group, type.version);
  if (body.kind && body.kind !== type.kind)
    throw errors.badRequest(
      `the object provided is unrecognized (must be of type ${type.kind}): no kind "${body.kind}" is registered for version "${body.apiVersion ?? gv}" in scheme "pkg/api/legacyscheme/scheme.go:30"`,
    );
  if (
    body.apiVersion &&
    body.apiVersion !== gv &&
    !body.apiVersion.startsWith(`${type.group}/`) &&
    !(type.group === '' && body.apiVersion === 'v1')
  )
    throw errors.badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${gv})`);
}

function selectors(q: URLSearchParams): Pick<ListOptions, 'labelSelector' | 'fieldSelector'> {
  try {
    const ls = q.get('labelSelector');
    const fs = q.get('fieldSelector');
    return {
      labelSelector: ls ? parseLabelSelector(ls) : undefined,
      fieldSelector: fs ? parseFieldSelector(fs) : undefined,
    };
  } catch (e) {
    if (e instanceof SelectorError) throw errors.badRequest(`unable to parse requirement: ${e.message}`);
    throw e;
  }
}

function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function listKind(type: ResourceType): string {
  return type.listKind ?? `${type.kind}List`;
}

export class RestHandler {
  constructor(private readonly ctx: RestContext) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, info: RequestInfo, user: UserInfo): Promise<void> {
    const registry = this.ctx.api.registry;
    const type = registry.find(info.apiGroup, info.apiVersion, info.resource);
    if (!type) throw errors.notFoundPath();
    const q = url.searchParams;
    const ns = type.namespaced ? info.namespace : '';
    // A name in the path (a metadata.name field selector also sets info.name, for a list or watch).
    if (type.namespaced && info.parts.length > 1 && !info.namespace) throw errors.notFoundPath();
    const sub = info.subresource;
    if (sub && !(type.subresources ?? []).some((s) => s.name === sub)) throw errors.notFoundPath();
    if (info.parts.length > 3) throw errors.notFoundPath();
    const verbAllowed = (verb: string) => {
      const verbs = sub ? ((type.subresources ?? []).find((s) => s.name === sub)?.verbs ?? []) : type.verbs;
      return verbs.includes(verb);
    };
    if (!verbAllowed(info.verb)) throw errors.methodNotSupported({ group: type.group, plural: type.plural }, info.verb);
    if (type.persisted === false) return this.virtual(req, res, type, info, user);
    const manager = q.get('fieldManager') ?? managerFromUserAgent(req.headers['user-agent']);
    const dryRun = q.getAll('dryRun').includes('All');
    // Admission warnings (webhook responses) become Warning headers, as in warning.AddWarning.
    const warn = (message: string) => res.appendHeader('Warning', `299 - ${JSON.stringify(message)}`);
    const write = {
      manager,
      user,
      dryRun,
      subresource: sub || undefined,
      warn,
    };
    const accept = req.headers.accept;

    switch (info.verb) {
      case 'get': {
        if (sub === 'log') return this.ctx.podLogs.serve(req, res, this.ctx.api.get(type, ns, info.name), q);
        if (sub === 'scale') return sendJson(res, 200, this.scaleOf(type, this.ctx.api.get(type, ns, info.name)));
        const o = this.ctx.api.get(type, ns, info.name);
        if (wantsTable(accept))
          return sendJson(
            res,
            200,
            renderTable(type, [o], {
              includeObject: includeObject(q),
              listMeta: { resourceVersion: o.metadata.resourceVersion },
            }),
          );
        return sendJson(res, 200, o);
      }
      case 'list': {
        const sel = selectors(q);
        const limit = Number(q.get('limit') ?? 0) || undefined;
        const r = this.ctx.api.list(type, ns || undefined, {
          ...sel,
          limit,
          continueToken: q.get('continue') ?? undefined,
          resourceVersion: q.get('resourceVersion') ?? undefined,
          resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
        });
        const metadata: Record<string, unknown> = {
          resourceVersion: r.resourceVersion,
        };
        if (r.continueToken) metadata.continue = r.continueToken;
        if (r.remainingItemCount !== undefined) metadata.remainingItemCount = r.remainingItemCount;
        if (wantsTable(accept))
          return sendJson(
            res,
            200,
            renderTable(type, r.items, {
              includeObject: includeObject(q),
              listMeta: metadata,
            }),
          );
        // List items carry no apiVersion/kind, as the real server encodes them.
        const items = r.items.map((o) => {
          const c: Record<string, unknown> = { ...o };
          delete c.apiVersion;
          delete c.kind;
          return c;
        });
        return sendJson(res, 200, {
          kind: listKind(type),
          apiVersion: groupVersionString(type.group, type.version),
          metadata,
          items,
        });
      }
      case 'watch': {
        const sel = selectors(q);
        const timeout = q.get('timeoutSeconds');
        const table = wantsTable(accept) ? { includeObject: includeObject(q) } : undefined;
        serveWatch(
          this.ctx.api,
          res,
          {
            type,
            namespace: ns || undefined,
            ...sel,
            resourceVersion: q.get('resourceVersion') ?? undefined,
            timeoutSeconds: timeout !== null ? Number(timeout) : undefined,
            allowBookmarks: ['1', 'true'].includes(q.get('allowWatchBookmarks') ?? ''),
            sendInitialEvents: ['1', 'true'].includes(q.get('sendInitialEvents') ?? ''),
            table,
            bookmarkIntervalMs: this.ctx.bookmarkIntervalMs,
          },
          (cb) => {
            req.on('close', cb);
            res.on('close', cb);
          },
        );
        return;
      }
      case 'create': {
        if (sub === 'token' && this.ctx.createToken)
          return sendJson(res, 201, await this.ctx.createToken(ns, info.name, await readObject(req, 'TokenRequest')));
        const body = await readObject(req, type.kind);
        checkKind(type, body);
        const created = await this.ctx.api.create(type, ns || undefined, body, write);
        return sendJson(res, 201, created);
      }
      case 'update': {
        const body = await readObject(req, sub === 'scale' ? 'Scale' : type.kind);
        if (sub === 'scale') return sendJson(res, 200, await this.updateScale(type, ns, info.name, body, write));
        checkKind(type, body);
        if (sub === 'finalize') {
          const finalizers = at(body, 'spec', 'finalizers');
          const cur = this.ctx.api.get(type, ns, info.name);
          const next = clone(cur);
          next.spec = {
            ...(isObject(cur.spec) ? cur.spec : {}),
            finalizers: Array.isArray(finalizers) ? finalizers : [],
          };
          return sendJson(
            res,
            200,
            await this.ctx.api.update(type, ns, info.name, next, {
              ...write,
              subresource: undefined,
              finalize: true,
            }),
          );
        }
        return sendJson(res, 200, await this.ctx.api.update(type, ns, info.name, body, write));
      }
      case 'patch':
        return this.patch(req, res, type, ns, info.name, q, write);
      case 'delete': {
        const text = await readBody(req);
        const options = this.deleteOptions(text, q);
        const r = await this.ctx.api.delete(type, ns, info.name, options, write);
        if (!r.removed || this.ctx.api.returnsDeletedObject(type)) return sendJson(res, 200, r.object);
        const d: Record<string, unknown> = { name: info.name };
        if (type.group) d.group = type.group;
        d.kind = type.plural;
        d.uid = r.object.metadata.uid;
        return sendJson(res, 200, success(d));
      }
      case 'deletecollection': {
        const text = await readBody(req);
        const options = this.deleteOptions(text, q);
        const r = this.ctx.api.list(type, ns || undefined, selectors(q));
        const items: KubeObject[] = [];
        for (const o of r.items) {
          try {
            items.push((await this.ctx.api.delete(type, o.metadata.namespace, o.metadata.name ?? '', options, write)).object);
          } catch (e) {
            if (!(e instanceof ApiError && e.code === 404)) throw e;
          }
        }
        return sendJson(res, 200, {
          kind: listKind(type),
          apiVersion: groupVersionString(type.group, type.version),
          metadata: {
            resourceVersion: String(this.ctx.api.store.resourceVersion),
          },
          items,
        });
      }
    }
    throw errors.methodNotSupported({ group: type.group, plural: type.plural }, info.verb);
  }

  private deleteOptions(text: string, q: URLSearchParams): DeleteOptions {
    let body: Record<string, unknown> = {};
    if (text.trim()) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (isObject(parsed)) body = parsed;
      } catch (e) {
        throw errors.badRequest(`couldn't get version/kind; json parse error: ${goJsonError(e)}`);
      }
    }
    const policy = (q.get('propagationPolicy') ?? body.propagationPolicy) as DeleteOptions['propagationPolicy'];
    const orphan = q.get('orphanDependents') ?? body.orphanDependents;
    const grace = q.get('gracePeriodSeconds') ?? body.gracePeriodSeconds;
    return {
      propagationPolicy: policy ?? (orphan === true || orphan === 'true' ? 'Orphan' : undefined),
      gracePeriodSeconds: grace !== undefined && grace !== null ? Number(grace) : undefined,
      preconditions: isObject(body.preconditions) ? (body.preconditions as DeleteOptions['preconditions']) : undefined,
    };
  }

  private async patch(
    req: IncomingMessage,
    res: ServerResponse,
    type: ResourceType,
    ns: string,
    name: string,
    q: URLSearchParams,
    write: {
      manager: string;
      user: UserInfo;
      dryRun: boolean;
      subresource?: string;
    },
  ): Promise<void> {
    const ct = mediaType(req);
    if (!PATCH_TYPES.includes(ct)) throw errors.unsupportedMediaType(PATCH_TYPES);
    const text = await readBody(req);
    let patch: unknown;
    try {
      patch = ct === 'application/apply-patch+yaml' ? parseYamlBody(text) : JSON.parse(text);
    } catch (e) {
      throw errors.badRequest(
        ct === 'application/apply-patch+yaml'
          ? `error decoding YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`
          : goJsonError(e),
      );
    }
    const gvk = { group: type.group, version: type.version, kind: type.kind };
    const p = this.ctx.patch;
    const run = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        if (e instanceof ApiError) throw e;
        if (isPatchError(e)) {
          const carried = (e as { code?: unknown }).code;
          const code =
            typeof carried === 'number'
              ? carried
              : e.reason === 'Invalid' || e.reason === 'UnprocessableEntity'
                ? 422
                : e.reason === 'Conflict'
                  ? 409
                  : 400;
          const det = e.causes ? { causes: e.causes } : undefined;
          throw new ApiError(failure(code, e.reason, e.message, det));
        }
        throw e;
      }
    };
    if (write.subresource === 'scale') {
      const current = this.scaleOf(type, this.ctx.api.get(type, ns, name));
      const patched = run(() =>
        ct === 'application/json-patch+json'
          ? p.applyJsonPatch(current, patch)
          : ct === 'application/merge-patch+json'
            ? p.applyMergePatch(current, patch)
            : p.applyStrategicMergePatch(current, patch, {
                group: 'autoscaling',
                version: 'v1',
                kind: 'Scale',
              }),
      );
      return sendJson(res, 200, await this.updateScale(type, ns, name, patched, write));
    }
    const live = this.ctx.api.tryGet(type, ns, name);
    if (ct === 'application/apply-patch+yaml') {
      if (!isObject(patch)) throw errors.badRequest('error decoding YAML: the applied configuration is not an object');
      const applied = patch as unknown as KubeObject;
      if (!q.get('fieldManager')) throw errors.badRequest('PATCH, application/apply-patch+yaml requires fieldManager parameter');
      checkKind(type, applied);
      if (!applied.apiVersion || !applied.kind) throw errors.badRequest(`Object 'Kind' is missing in '${text}'`);
      if (applied.metadata?.name && applied.metadata.name !== name)
        throw errors.badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
      const force = ['1', 'true'].includes(q.get('force') ?? '');
      const r = run(() =>
        p.applyServerSideApply(live, applied, {
          manager: write.manager,
          force,
        }),
      );
      if (r.conflicts.length) throw applyConflict(r.conflicts);
      if (!live) {
        const created = await this.ctx.api.create(
          type,
          ns || undefined,
          { ...r.object, metadata: { ...r.object.metadata, name } },
          { ...write, managedFieldsOverride: r.object.metadata.managedFields },
        );
        return sendJson(res, 201, created);
      }
      const updated = await this.ctx.api.update(type, ns, name, r.object, {
        ...write,
        managedFieldsOverride: r.object.metadata.managedFields,
      });
      return sendJson(res, 200, updated);
    }
    if (!live) throw errors.notFound({ group: type.group, plural: type.plural }, name);
    const patched = run(() => {
      if (ct === 'application/json-patch+json') return p.applyJsonPatch(live, patch);
      if (ct === 'application/merge-patch+json') return p.applyMergePatch(live, patch);
      return p.applyStrategicMergePatch(live, patch, gvk);
    });
    if (!isObject(patched.metadata)) patched.metadata = {};
    if (patched.metadata.resourceVersion === undefined) patched.metadata.resourceVersion = live.metadata.resourceVersion;
    return sendJson(res, 200, await this.ctx.api.update(type, ns, name, patched, write));
  }

  /** autoscaling/v1 Scale of a workload (scale subresource). */
  private scaleOf(type: ResourceType, o: KubeObject): KubeObject {
    const sel = at(o, 'spec', 'selector', 'matchLabels');
    const replicas = Number(at(o, 'spec', 'replicas') ?? 0);
    const selector = isObject(sel)
      ? Object.entries(sel)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(',')
      : '';
    // autoscaling/v1: ScaleSpec.replicas and ScaleStatus.selector are `omitempty`, so a 0-replica
    // workload has `spec: {}`; ScaleStatus.replicas is not and is always written.
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: o.metadata.name,
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        creationTimestamp: o.metadata.creationTimestamp,
      },
      spec: replicas ? { replicas } : {},
      status: {
        replicas: at(o, 'status', 'replicas') ?? 0,
        ...(selector ? { selector } : {}),
      },
    };
  }

  private async updateScale(
    type: ResourceType,
    ns: string,
    name: string,
    scale: KubeObject,
    write: { manager: string; user: UserInfo; dryRun: boolean },
  ) {
    const cur = this.ctx.api.get(type, ns, name);
    if (scale.metadata?.resourceVersion && scale.metadata.resourceVersion !== cur.metadata.resourceVersion)
      throw errors.staleResourceVersion({ group: type.group, plural: type.plural }, name);
    // A Scale without spec.replicas means 0 (the omitted int32 zero value), as the real server decodes it.
    const replicas = at(scale, 'spec', 'replicas') ?? 0;
    const next = clone(cur);
    next.spec = { ...(isObject(next.spec) ? next.spec : {}), replicas };
    const updated = await this.ctx.api.update(type, ns, name, next, {
      ...write,
      subresource: undefined,
    });
    return this.scaleOf(type, updated);
  }

  /** Resources with nothing stored: reviews answer from the authenticator and authorizer. */
  private async virtual(req: IncomingMessage, res: ServerResponse, type: ResourceType, info: RequestInfo, user: UserInfo): Promise<void> {
    if (info.verb !== 'create') throw errors.methodNotSupported({ group: type.group, plural: type.plural }, info.verb);
    const body = await readObject(req, type.kind);
    const out: KubeObject = {
      kind: type.kind,
      apiVersion: groupVersionString(type.group, type.version),
      metadata: { ...(body.metadata ?? {}), creationTimestamp: null },
    };
    const spec = (isObject(body.spec) ? body.spec : {}) as Record<string, unknown>;
    switch (`${type.group}/${type.plural}`) {
      case 'authorization.k8s.io/selfsubjectaccessreviews':
      case 'authorization.k8s.io/subjectaccessreviews':
      case 'authorization.k8s.io/localsubjectaccessreviews':
        return sendJson(
          res,
          201,
          await subjectAccessReview({
            kind: type.kind,
            apiVersion: out.apiVersion ?? '',
            body,
            requester: user,
            authorize: this.ctx.authorize,
            urlNamespace: info.namespace,
            manager: managerFromUserAgent(req.headers['user-agent']),
          }),
        );
      case 'authorization.k8s.io/selfsubjectrulesreviews':
        return sendJson(
          res,
          201,
          selfSubjectRulesReview({
            apiVersion: out.apiVersion ?? '',
            body,
            user,
            resolver: new RbacRuleResolver(this.ctx.api),
          }),
        );
      case 'authentication.k8s.io/selfsubjectreviews':
        out.status = {
          userInfo: {
            username: user.username,
            ...(user.uid ? { uid: user.uid } : {}),
            groups: user.groups,
            ...(user.extra ? { extra: user.extra } : {}),
          },
        };
        return sendJson(res, 201, out);
      case 'authentication.k8s.io/tokenreviews': {
        // pkg/registry/authentication/tokenreview/storage.go
        const token = String(spec.token ?? '');
        if (!token) throw errors.badRequest('token is required for TokenReview in authentication');
        const wanted = Array.isArray(spec.audiences) ? spec.audiences.map(String) : [];
        const r = await this.ctx.authenticateToken(token, wanted.length ? wanted : ['https://kubernetes.default.svc.cluster.local']);
        out.spec = spec;
        out.status = r.user
          ? {
              authenticated: true,
              user: {
                username: r.user.username,
                ...(r.user.uid ? { uid: r.user.uid } : {}),
                groups: r.user.groups,
                ...(r.user.extra ? { extra: r.user.extra } : {}),
              },
              audiences: r.audiences ?? [],
            }
          : { user: {}, ...(r.error ? { error: r.error } : {}) };
        return sendJson(res, 201, out);
      }
    }
    throw errors.methodNotSupported({ group: type.group, plural: type.plural }, info.verb);
  }
}

/** The 409 kube-apiserver sends when an apply would take fields owned by other managers. */
export function applyConflict(conflicts: { manager: string; field: string; message?: string }[]): ApiError {
  let text: string;
  if (conflicts.length === 1) text = `conflict with "${conflicts[0].manager}": ${conflicts[0].field}`;
  else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with "${m}":`);
      for (const f of byManager.get(m) ?? []) lines.push(`- ${f}`);
    }
    text = lines.join('\n');
  }
  return new ApiError(
    failure(409, 'Conflict', `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${text}`, {
      causes: conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: c.message ?? `conflict with "${c.manager}"`,
        field: c.field,
      })),
    }),
  );
}
