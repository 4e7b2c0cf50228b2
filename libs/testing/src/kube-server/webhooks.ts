// MutatingAdmissionWebhook and ValidatingAdmissionWebhook (k8s.io/apiserver/pkg/admission/plugin/webhook):
// the webhook configurations are read from the store on every request, matched by rules and
// selectors, and called with an AdmissionReview v1 over caBundle-verified TLS. Answers and failures
// become the real errors (webhook/errors/statuserror.go, webhook/util ErrCallingWebhook).
import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import { applyPatch, type Operation } from 'fast-json-patch';
import { ObjectApi } from './object-api';
import { AdmissionAttributes, AdmissionPlugin } from './pipeline';
import { groupVersionString, ResourceType } from './resources';
import { LabelRequirement, matchesLabels } from './selectors';
import { ApiError, errors, failure, Status } from './status';
import { at, clone, deepEqual, isObject, KubeObject } from './types';

export interface WebhookAdmissionOptions {
  /**
   * Where a `clientConfig.service` reference is served, as `host:port` (or an https URL base).
   * By default the Service's port is looked up and mapped to an address through its Endpoints or
   * EndpointSlices, as kube-apiserver does with --enable-aggregator-routing.
   */
  resolveService?: (namespace: string, name: string, port: number) => string;
}

interface RuleWithOperations {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface Webhook {
  name: string;
  clientConfig?: {
    url?: string;
    caBundle?: string;
    service?: { namespace: string; name: string; path?: string; port?: number };
  };
  rules?: RuleWithOperations[];
  failurePolicy?: 'Fail' | 'Ignore';
  matchPolicy?: string;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  sideEffects?: string;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
}

/** webhook/util ErrCallingWebhook: subject to the failure policy. */
class CallError extends Error {
  constructor(webhook: string, reason: string) {
    super(`failed calling webhook "${webhook}": ${reason}`);
  }
}

/** The configurations never sent to webhooks, so a broken webhook can always be removed (rules.IsExemptAdmissionConfigurationResource). */
const EXEMPT = new Set([
  'mutatingwebhookconfigurations',
  'validatingwebhookconfigurations',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
]);

function toRequirements(sel: LabelSelector | undefined): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {})) reqs.push({ key, op: '=', values: [value] });
  const ops: Record<string, LabelRequirement['op']> = {
    In: 'in',
    NotIn: 'notin',
    Exists: 'exists',
    DoesNotExist: '!',
  };
  for (const e of sel?.matchExpressions ?? [])
    reqs.push({
      key: e.key,
      op: ops[e.operator] ?? 'in',
      values: e.values ?? [],
    });
  return reqs;
}

/** The namespace the request is about: a Namespace's own name once it exists (RequestInfo). */
function requestNamespace(a: AdmissionAttributes): string {
  if (a.type.group === '' && a.type.plural === 'namespaces') return a.operation === 'CREATE' ? '' : a.name;
  return a.namespace;
}

/** rules.Matcher: operation, group, version, resource/subresource and scope. */
function ruleMatches(rule: RuleWithOperations, a: AdmissionAttributes): boolean {
  const any = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);
  if (!any(rule.operations, a.operation)) return false;
  if (!any(rule.apiGroups, a.type.group)) return false;
  if (!any(rule.apiVersions, a.type.version)) return false;
  const resourceMatch = (rule.resources ?? []).some((r) => {
    const [res, sub = ''] = r.split('/', 2);
    return (res === '*' || res === a.type.plural) && (sub === '*' || sub === a.subresource);
  });
  if (!resourceMatch) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster') return !a.type.namespaced;
  if (scope === 'Namespaced') return a.type.namespaced;
  return true;
}

export function webhookAdmission(api: ObjectApi, options: WebhookAdmissionOptions = {}): AdmissionPlugin {
  const configurations = (plural: string): Webhook[] => {
    const type = api.registry.findAnyVersion('admissionregistration.k8s.io', plural);
    if (!type) return [];
    // Configurations sorted by name, webhooks in their order within (generic/webhook.go).
    return api
      .list(type, undefined)
      .items.sort((x, y) => ((x.metadata.name ?? '') < (y.metadata.name ?? '') ? -1 : 1))
      .flatMap((c) => ((c.webhooks as Webhook[] | undefined) ?? []).filter((w) => isObject(w)));
  };

  /** generic.Webhook.ShouldCallHook: rules, then namespaceSelector, then objectSelector. */
  const shouldCall = (h: Webhook, a: AdmissionAttributes): boolean => {
    if (!(h.rules ?? []).some((r) => ruleMatches(r, a))) return false;
    const nsReqs = toRequirements(h.namespaceSelector);
    const isNamespace = a.type.group === '' && a.type.plural === 'namespaces';
    const ns = requestNamespace(a);
    if (nsReqs.length && (ns || isNamespace)) {
      let labels: Record<string, string> | undefined;
      if (isNamespace && !a.subresource && (a.operation === 'CREATE' || a.operation === 'UPDATE')) labels = a.object?.metadata.labels;
      else {
        const nsType = api.registry.findAnyVersion('', 'namespaces');
        const found = nsType && api.tryGet(nsType, undefined, ns);
        if (!found) throw errors.notFound({ group: '', plural: 'namespaces' }, ns);
        labels = found.metadata.labels;
      }
      if (!matchesLabels(nsReqs, labels)) return false;
    }
    const objReqs = toRequirements(h.objectSelector);
    if (
      objReqs.length &&
      !(a.object && matchesLabels(objReqs, a.object.metadata.labels)) &&
      !(a.oldObject && matchesLabels(objReqs, a.oldObject.metadata.labels))
    )
      return false;
    return true;
  };

  const resolveService = (namespace: string, name: string, port: number): string => {
    if (options.resolveService) return options.resolveService(namespace, name, port);
    // k8s.io/apiserver/pkg/util/proxy ResolveEndpoint.
    const svcType = api.registry.findAnyVersion('', 'services');
    const svc = svcType && api.tryGet(svcType, namespace, name);
    if (!svc) throw new Error(`service "${name}" not found`);
    const ports = (at(svc, 'spec', 'ports') as Record<string, unknown>[] | undefined) ?? [];
    const svcPort = ports.find((p) => p.port === port);
    if (!svcPort) throw new Error(`no service port ${port} found for service "${name}"`);
    const portName = String(svcPort.name ?? '');
    const epType = api.registry.findAnyVersion('', 'endpoints');
    const eps = epType && api.tryGet(epType, namespace, name);
    for (const ss of (at(eps, 'subsets') as Record<string, unknown>[] | undefined) ?? []) {
      const addresses = (ss.addresses as { ip: string }[] | undefined) ?? [];
      for (const p of (ss.ports as Record<string, unknown>[] | undefined) ?? [])
        if (String(p.name ?? '') === portName && addresses.length) return `${addresses[0].ip}:${String(p.port)}`;
    }
    const sliceType = api.registry.findAnyVersion('discovery.k8s.io', 'endpointslices');
    const slices = sliceType
      ? api.list(sliceType, namespace).items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name)
      : [];
    for (const s of slices) {
      const addresses = ((s.endpoints as Record<string, unknown>[] | undefined) ?? [])
        .filter((e) => at(e, 'conditions', 'ready') !== false)
        .flatMap((e) => (e.addresses as string[] | undefined) ?? []);
      for (const p of (s.ports as Record<string, unknown>[] | undefined) ?? [])
        if (String(p.name ?? '') === portName && addresses.length) return `${addresses[0]}:${String(p.port)}`;
    }
    throw new Error(`no endpoints available for service "${name}"`);
  };

  /** The AdmissionReview v1 request (webhook/request/admissionreview.go CreateV1AdmissionReview). */
  const review = (a: AdmissionAttributes, uid: string) => {
    const t: ResourceType = a.type;
    const kind = { group: t.group, version: t.version, kind: t.kind };
    const resource = { group: t.group, version: t.version, resource: t.plural };
    const req: Record<string, unknown> = {
      uid,
      kind,
      resource,
      ...(a.subresource ? { subResource: a.subresource } : {}),
      requestKind: kind,
      requestResource: resource,
      ...(a.subresource ? { requestSubResource: a.subresource } : {}),
      ...(a.name ? { name: a.name } : {}),
      ...(requestNamespace(a) ? { namespace: requestNamespace(a) } : {}),
      operation: a.operation,
      userInfo: {
        username: a.user.username,
        ...(a.user.uid ? { uid: a.user.uid } : {}),
        ...(a.user.groups.length ? { groups: a.user.groups } : {}),
        ...(a.user.extra && Object.keys(a.user.extra).length ? { extra: a.user.extra } : {}),
      },
      object: a.object ? withTypeMeta(t, a.object) : null,
      oldObject: a.oldObject ? withTypeMeta(t, a.oldObject) : null,
      dryRun: a.dryRun,
      options: a.options ?? null,
    };
    return {
      kind: 'AdmissionReview',
      apiVersion: 'admission.k8s.io/v1',
      request: req,
    };
  };

  /** callHook of the dispatchers: a rejection is an ApiError, a failed call a CallError. */
  const call = async (h: Webhook, a: AdmissionAttributes, mutating: boolean): Promise<{ patch?: Operation[] }> => {
    if (a.dryRun) {
      if (h.sideEffects === undefined) throw new CallError(h.name, 'Webhook SideEffects is nil');
      if (h.sideEffects !== 'None' && h.sideEffects !== 'NoneOnDryRun')
        throw errors.badRequest(`admission webhook "${h.name}" does not support dry run`);
    }
    if (!(h.admissionReviewVersions ?? []).includes('v1'))
      throw new CallError(
        h.name,
        `webhook does not accept known AdmissionReview versions: ${JSON.stringify(h.admissionReviewVersions ?? [])}`,
      );
    const timeout = h.timeoutSeconds ?? 10;
    const cc = h.clientConfig ?? {};
    let target: URL;
    let shownUrl: string;
    // Service references are verified for <service>.<namespace>.svc; a URL for its own host.
    let servername: string | undefined;
    try {
      if (cc.url) {
        target = new URL(cc.url);
        shownUrl = target.toString();
      } else if (cc.service) {
        const port = cc.service.port ?? 443;
        const path = cc.service.path ?? '/';
        servername = `${cc.service.name}.${cc.service.namespace}.svc`;
        shownUrl = `https://${servername}:${port}${path}`;
        try {
          const address = resolveService(cc.service.namespace, cc.service.name, port);
          target = new URL(address.includes('://') ? address : `https://${address}`);
        } catch (e) {
          throw new CallError(h.name, `failed to call webhook: Post "${shownUrl}?timeout=${timeout}s": ${(e as Error).message}`);
        }
        target.pathname = path;
      } else throw new CallError(h.name, 'could not get REST client: no url or service');
    } catch (e) {
      if (e instanceof CallError) throw e;
      throw new CallError(h.name, `could not get REST client: ${(e as Error).message}`);
    }
    target.search = `timeout=${timeout}s`;
    const postUrl = cc.url ? target.toString() : `${shownUrl}?timeout=${timeout}s`;
    const uid = randomUUID();
    const body = JSON.stringify(review(a, uid));
    const ca = cc.caBundle ? Buffer.from(cc.caBundle, 'base64').toString('utf8') : undefined;
    let text: string;
    let status: number;
    try {
      ({ text, status } = await post(target, body, {
        ca,
        servername,
        timeoutMs: timeout * 1000,
      }));
    } catch (e) {
      throw new CallError(h.name, `failed to call webhook: Post "${postUrl}": ${goNetError(e, target)}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CallError(
        h.name,
        status >= 200 && status < 300
          ? `failed to call webhook: couldn't get version/kind; json parse error: invalid character looking for beginning of value`
          : `failed to call webhook: the server responded with the status code ${status} but did not return more information`,
      );
    }
    if (status < 200 || status >= 300)
      throw new CallError(
        h.name,
        `failed to call webhook: an error on the server ("${text.trim()}") has prevented the request from succeeding`,
      );
    const invalid = (why: string) => new CallError(h.name, `received invalid webhook response: ${why}`);
    const r = parsed as Record<string, unknown>;
    const response = r.response as Record<string, unknown> | undefined;
    if (!isObject(response)) throw invalid('webhook response was absent');
    if (response.uid !== uid) throw invalid(`expected response.uid="${uid}", got "${String(response.uid ?? '')}"`);
    if (r.apiVersion !== 'admission.k8s.io/v1' || r.kind !== 'AdmissionReview')
      throw invalid(
        `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${String(r.apiVersion ?? '')}, Kind=${String(r.kind ?? '')}`,
      );
    const patchType = response.patchType as string | undefined;
    if (response.patch !== undefined || patchType) {
      if (!mutating) throw invalid('validating webhook may not return response.patch or response.patchType');
      if (patchType !== 'JSONPatch')
        throw invalid('mutating webhook response must set response.patchType to "JSONPatch" with response.patch');
    }
    for (const w of (response.warnings as unknown[] | undefined) ?? []) if (typeof w === 'string') a.warn?.(w);
    if (response.allowed !== true) throw rejection(h.name, response.status);
    if (typeof response.patch !== 'string' || !response.patch) return {};
    let patch: unknown;
    try {
      patch = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
    } catch (e) {
      throw errors.internal((e as Error).message);
    }
    if (!Array.isArray(patch)) throw errors.internal('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    return { patch: patch as Operation[] };
  };

  /** Applies the failure policy to a failed call; returns normally when the webhook is ignored. */
  const failed = (h: Webhook, e: unknown): void => {
    if (e instanceof CallError) {
      if (h.failurePolicy === 'Ignore') return;
      throw errors.internal(e.message);
    }
    throw e;
  };

  return {
    name: 'AdmissionWebhook',
    admit: async (a) => {
      if (EXEMPT.has(a.type.plural) && a.type.group === 'admissionregistration.k8s.io') return undefined;
      let object = a.object;
      for (const h of configurations('mutatingwebhookconfigurations')) {
        const attrs = { ...a, object };
        if (!shouldCall(h, attrs)) continue;
        let result: { patch?: Operation[] };
        try {
          result = await call(h, attrs, true);
        } catch (e) {
          failed(h, e);
          continue;
        }
        if (!result.patch?.length) continue;
        if (!object)
          throw errors.internal(`admission webhook "${h.name}" attempted to modify the object, which is not supported for this operation`);
        try {
          object = applyPatch(clone(object), result.patch, true, false).newDocument;
        } catch (e) {
          throw errors.internal((e as Error).message);
        }
      }
      return object === a.object || deepEqual(object, a.object) ? a.object : object;
    },
    validate: async (a) => {
      if (EXEMPT.has(a.type.plural) && a.type.group === 'admissionregistration.k8s.io') return;
      const hooks = configurations('validatingwebhookconfigurations').filter((h) => shouldCall(h, a));
      // Validating webhooks are called in parallel; the first failure in webhook order is returned.
      const outcomes = await Promise.allSettled(hooks.map((h) => call(h, a, false)));
      outcomes.forEach((o, i) => {
        if (o.status === 'rejected') failed(hooks[i], o.reason);
      });
    },
  };
}

/** An object as webhooks receive it: with its apiVersion and kind. */
function withTypeMeta(t: ResourceType, o: KubeObject): KubeObject {
  return {
    ...o,
    apiVersion: groupVersionString(t.group, t.version),
    kind: t.kind,
  };
}

/** webhook/errors.ToStatusErr: a denial keeps the webhook's code (at least 400) and explains itself. */
function rejection(webhook: string, result: unknown): ApiError {
  const r = (isObject(result) ? result : {}) as Partial<Status>;
  const deniedBy = `admission webhook "${webhook}" denied the request`;
  const code = typeof r.code === 'number' && r.code >= 400 ? r.code : 400;
  const message = r.message ? `${deniedBy}: ${r.message}` : r.reason ? `${deniedBy}: ${r.reason}` : `${deniedBy} without explanation`;
  const status = failure(code, r.reason ?? '', message, r.details);
  if (!r.reason) delete status.reason;
  if (!r.details) delete status.details;
  return new ApiError(status);
}

/** How Go's net/http and crypto/tls describe a failed call, for the messages kube-apiserver returns. */
function goNetError(e: unknown, target: URL): string {
  const err = e as NodeJS.ErrnoException;
  const hostPort = `${target.hostname}:${target.port || '443'}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${hostPort}: connect: connection refused`;
    case 'ETIMEDOUT_WEBHOOK':
      return 'context deadline exceeded';
    case 'ENOTFOUND':
      return `dial tcp: lookup ${target.hostname}: no such host`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'CERT_SIGNATURE_FAILURE':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: ${err.message}`;
    case 'ECONNRESET':
      return 'EOF';
    default:
      return err.message;
  }
}

function post(
  target: URL,
  body: string,
  o: { ca?: string; servername?: string; timeoutMs: number },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, */*',
          'Content-Length': Buffer.byteLength(body),
        },
        ca: o.ca,
        ...(o.servername ? { servername: o.servername } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', fail);
      },
    );
    const fail = (e: Error) => {
      clearTimeout(timer);
      reject(e);
    };
    // The context deadline of the call: the request is abandoned, the connection closed.
    const timer = setTimeout(() => {
      const e: NodeJS.ErrnoException = new Error('context deadline exceeded');
      e.code = 'ETIMEDOUT_WEBHOOK';
      req.destroy(e);
    }, o.timeoutMs);
    req.on('error', fail);
    req.end(body);
  });
}
