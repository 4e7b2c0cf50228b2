// The ResourceQuota admission plugin (k8s.io/apiserver/pkg/admission/plugin/resourcequota and the
// evaluators of pkg/quota/v1/evaluator/core): a create that would take a namespace past a quota's
// `hard` is refused with the real 403, a pod that omits a cpu/memory request or limit a quota
// constrains is refused, and an admitted create is charged to status.used at once, written by
// the `kube-apiserver` field manager, as the real plugin does before the quota controller recounts.
import { ObjectApi } from './object-api';
import { AdmissionAttributes, AdmissionPlugin, UserInfo } from './pipeline';
import { formatQuantity, isBinaryQuantity, parseQuantity } from './quantity';
import { ResourceType } from './resources';
import { errors } from './status';
import { at, clone, isObject, KubeObject } from './types';

type Obj = Record<string, unknown>;
/** A resource list in milli-units. */
type Usage = Map<string, number>;

const APISERVER_USER: UserInfo = {
  username: 'system:apiserver',
  groups: ['system:authenticated', 'system:masters'],
};

/** Resources the plugin never charges (install.DefaultIgnoredResources). */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);

/** Object counts that also have a legacy quota name (pkg/quota/v1/evaluator/core/registry.go). */
const LEGACY_COUNTS = new Set(['configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas']);

/** The compute resources a pod must declare when a quota limits them (podEvaluator.Constraints). */
const POD_VALIDATION_SET = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

const POD_COMPUTE_NAMES = [
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
];

function countName(type: ResourceType): string {
  return type.group ? `count/${type.plural}.${type.group}` : `count/${type.plural}`;
}

/** The quota names an evaluator answers for (MatchingResources). */
function matchingResources(type: ResourceType, names: string[]): string[] {
  const count = countName(type);
  if (type.group === '' && type.plural === 'pods')
    return names.filter((n) => n === 'pods' || n === count || POD_COMPUTE_NAMES.includes(n) || /^requests\.hugepages-/.test(n));
  if (type.group === '' && type.plural === 'services')
    return names.filter((n) => ['services', count, 'services.nodeports', 'services.loadbalancers'].includes(n));
  if (type.group === '' && type.plural === 'persistentvolumeclaims')
    return names.filter((n) => ['persistentvolumeclaims', count, 'requests.storage'].includes(n));
  if (type.group === '' && LEGACY_COUNTS.has(type.plural)) return names.filter((n) => n === type.plural || n === count);
  return names.filter((n) => n === count);
}

type ResourceMap = Record<string, unknown>;

/** Requests default to limits (SetDefaults_Pod), so a container with only limits requests them too. */
function containerUsage(c: Obj): {
  requests: ResourceMap;
  limits: ResourceMap;
} {
  const limits = (at(c, 'resources', 'limits') ?? {}) as ResourceMap;
  const requests = {
    ...limits,
    ...((at(c, 'resources', 'requests') ?? {}) as ResourceMap),
  };
  return { requests, limits };
}

/** podComputeUsageHelper: the quota names a set of requests and limits account for. */
function computeUsage(requests: ResourceMap, limits: ResourceMap): Usage {
  const u: Usage = new Map();
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    if (requests[r] !== undefined) {
      const v = parseQuantity(requests[r] as string);
      u.set(r, v);
      u.set(`requests.${r}`, v);
    }
    if (limits[r] !== undefined) u.set(`limits.${r}`, parseQuantity(limits[r] as string));
  }
  for (const [r, v] of Object.entries(requests)) if (r.startsWith('hugepages-')) u.set(`requests.${r}`, parseQuantity(v as string));
  return u;
}

function isTerminal(pod: KubeObject): boolean {
  return ['Succeeded', 'Failed'].includes(String(at(pod, 'status', 'phase')));
}

/** PodUsageFunc: count/pods always; pods and compute resources while the pod is not terminal. */
function podUsage(pod: KubeObject): Usage {
  const u: Usage = new Map([['count/pods', 1000]]);
  if (isTerminal(pod)) return u;
  u.set('pods', 1000);
  const containers = (at(pod, 'spec', 'containers') as Obj[]) ?? [];
  const inits = (at(pod, 'spec', 'initContainers') as Obj[]) ?? [];
  // resourcehelper.PodRequests: the sum over containers, at least the largest init container.
  const sum = (part: 'requests' | 'limits') => {
    const total: Record<string, number> = {};
    for (const c of containers)
      for (const [r, v] of Object.entries(containerUsage(c)[part])) total[r] = (total[r] ?? 0) + parseQuantity(v as string);
    for (const c of inits)
      for (const [r, v] of Object.entries(containerUsage(c)[part])) total[r] = Math.max(total[r] ?? 0, parseQuantity(v as string));
    const overhead = (at(pod, 'spec', 'overhead') ?? {}) as ResourceMap;
    for (const [r, v] of Object.entries(overhead)) if (total[r] !== undefined) total[r] += parseQuantity(v as string);
    return Object.fromEntries(Object.entries(total).map(([r, v]) => [r, `${v}m`]));
  };
  for (const [k, v] of computeUsage(sum('requests'), sum('limits'))) u.set(k, v);
  return u;
}

function objectUsage(type: ResourceType, o: KubeObject): Usage {
  const count = countName(type);
  if (type.group === '' && type.plural === 'pods') return podUsage(o);
  const u: Usage = new Map([[count, 1000]]);
  if (type.group !== '') return u;
  if (type.plural === 'services') {
    u.set('services', 1000);
    const kind = at(o, 'spec', 'type');
    const ports = ((at(o, 'spec', 'ports') as unknown[]) ?? []).length;
    if (kind === 'LoadBalancer') u.set('services.loadbalancers', 1000);
    if (kind === 'NodePort' || kind === 'LoadBalancer') u.set('services.nodeports', ports * 1000);
  } else if (type.plural === 'persistentvolumeclaims') {
    u.set('persistentvolumeclaims', 1000);
    const storage = at(o, 'spec', 'resources', 'requests', 'storage');
    if (storage !== undefined) u.set('requests.storage', parseQuantity(storage as string));
  } else if (LEGACY_COUNTS.has(type.plural)) u.set(type.plural, 1000);
  return u;
}

/** podEvaluator.Constraints: every container must declare the cpu/memory a quota constrains. */
function podConstraints(pod: KubeObject, required: string[]): string | undefined {
  const requiredSet = required.filter((r) => POD_VALIDATION_SET.has(r));
  const missing = new Map<string, Set<string>>();
  const containers = [...((at(pod, 'spec', 'containers') as Obj[]) ?? []), ...((at(pod, 'spec', 'initContainers') as Obj[]) ?? [])];
  for (const c of containers) {
    const { requests, limits } = containerUsage(c);
    const has = computeUsage(requests, limits);
    for (const r of requiredSet) if (!has.has(r)) missing.set(r, (missing.get(r) ?? new Set()).add(String(c.name)));
  }
  if (!missing.size) return undefined;
  return [...missing.keys()]
    .sort()
    .map((r) => `must specify ${r} for: ${[...(missing.get(r) ?? [])].sort().join(',')}`)
    .join('; ');
}

function qosClass(pod: KubeObject): string {
  const containers = [...((at(pod, 'spec', 'containers') as Obj[]) ?? []), ...((at(pod, 'spec', 'initContainers') as Obj[]) ?? [])];
  let any = false;
  for (const c of containers) {
    const { requests, limits } = containerUsage(c);
    if (Object.keys(requests).length || Object.keys(limits).length) any = true;
  }
  return any ? 'NotBestEffort' : 'BestEffort';
}

interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values?: string[];
}

/** Quota scopes (pods only; other kinds never match a scoped quota): podMatchesScopeFunc. */
export function quotaScopesMatch(type: ResourceType, o: KubeObject, quota: KubeObject): boolean {
  const reqs: ScopeRequirement[] = [
    ...(((at(quota, 'spec', 'scopes') as string[]) ?? []).map((s) => ({
      scopeName: s,
      operator: 'Exists',
    })) as ScopeRequirement[]),
    ...((at(quota, 'spec', 'scopeSelector', 'matchExpressions') as ScopeRequirement[] | undefined) ?? []),
  ];
  if (!reqs.length) return true;
  if (!(type.group === '' && type.plural === 'pods')) return false;
  const terminating = at(o, 'spec', 'activeDeadlineSeconds') !== undefined;
  return reqs.every((r) => {
    switch (r.scopeName) {
      case 'Terminating':
        return terminating;
      case 'NotTerminating':
        return !terminating;
      case 'BestEffort':
        return qosClass(o) === 'BestEffort';
      case 'NotBestEffort':
        return qosClass(o) !== 'BestEffort';
      case 'PriorityClass': {
        const pc = at(o, 'spec', 'priorityClassName') as string | undefined;
        if (r.operator === 'Exists') return !!pc;
        if (r.operator === 'DoesNotExist') return !pc;
        if (r.operator === 'In') return (r.values ?? []).includes(pc ?? '');
        if (r.operator === 'NotIn') return !(r.values ?? []).includes(pc ?? '');
        return false;
      }
      default:
        return false;
    }
  });
}

/** The quantity format the quota controller writes, so both writers agree byte for byte. */
function formatUsed(name: string, milli: number, hard?: string): string {
  return formatQuantity(milli, isBinaryQuantity(hard) || name.endsWith('memory') || name.endsWith('storage'));
}

function prettyPrint(values: Map<string, string>): string {
  return [...values.keys()]
    .sort()
    .map((k) => `${k}=${values.get(k)}`)
    .join(',');
}

/** Quantity.String() of a stored or computed value. */
function canonical(name: string, q: string | number): string {
  const milli = typeof q === 'number' ? q : parseQuantity(q);
  const binary =
    typeof q === 'string' ? isBinaryQuantity(q) : (name.endsWith('memory') || name.endsWith('storage')) && milli % 1024000 === 0;
  return formatQuantity(milli, binary);
}

export interface ResourceQuotaAdmissionOptions {
  /** Quotas are read and charged through this API (the server's own ObjectApi). */
  api: ObjectApi;
}

export function resourceQuotaAdmission(options: ResourceQuotaAdmissionOptions): AdmissionPlugin {
  const api = options.api;
  // One evaluation at a time per namespace: the real plugin batches per namespace and retries on
  // conflicts; serializing gives the same answers without lost updates.
  const locks = new Map<string, Promise<void>>();
  const serialize = async <T>(ns: string, fn: () => Promise<T>): Promise<T> => {
    const prev = locks.get(ns) ?? Promise.resolve();
    let release = () => undefined as void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = prev.then(() => mine);
    locks.set(ns, chained);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (locks.get(ns) === chained) locks.delete(ns);
    }
  };

  const evaluate = async (a: AdmissionAttributes): Promise<void> => {
    const type = a.type;
    const object = a.object;
    if (!object) return;
    const quotaType = api.registry.findAnyVersion('', 'resourcequotas');
    if (!quotaType) return;
    const quotas = api.list(quotaType, a.namespace).items;
    if (!quotas.length) return;
    const name = object.metadata.name || object.metadata.generateName || '';
    const gr = { group: type.group, plural: type.plural };
    const interesting: KubeObject[] = [];
    for (const q of quotas) {
      const hard = (at(q, 'status', 'hard') ?? {}) as Record<string, string>;
      const restricted = matchingResources(type, Object.keys(hard));
      if (!restricted.length || !quotaScopesMatch(type, object, q)) continue;
      if (type.group === '' && type.plural === 'pods') {
        const why = podConstraints(object, restricted);
        if (why) throw errors.forbidden(gr, name, `failed quota: ${q.metadata.name}: ${why}`);
      }
      const used = (at(q, 'status', 'used') ?? {}) as Record<string, string>;
      if (restricted.some((r) => used[r] === undefined))
        throw errors.forbidden(gr, name, `status unknown for quota: ${q.metadata.name}, resources: ${[...restricted].sort().join(',')}`);
      interesting.push(q);
    }
    const delta = objectUsage(type, object);
    for (const [k, v] of delta) if (v === 0) delta.delete(k);
    if (!delta.size || !interesting.length) return;
    const updates: KubeObject[] = [];
    for (const q of interesting) {
      const hard = (at(q, 'status', 'hard') ?? {}) as Record<string, string>;
      const used = (at(q, 'status', 'used') ?? {}) as Record<string, string>;
      const requested = new Map([...delta].filter(([k]) => hard[k] !== undefined));
      const exceeded = [...requested.keys()].filter(
        (k) => parseQuantity(used[k] ?? '0') + (requested.get(k) ?? 0) > parseQuantity(hard[k]),
      );
      if (exceeded.length) {
        const pick = (f: (k: string) => string) => new Map(exceeded.map((k) => [k, f(k)]));
        throw errors.forbidden(
          gr,
          name,
          `exceeded quota: ${q.metadata.name}, requested: ${prettyPrint(
            pick((k) => canonical(k, requested.get(k) ?? 0)),
          )}, used: ${prettyPrint(pick((k) => canonical(k, used[k] ?? '0')))}, limited: ${prettyPrint(pick((k) => canonical(k, hard[k])))}`,
        );
      }
      if (!requested.size) continue;
      const next = clone(q);
      const nextUsed: Record<string, string> = {};
      // The quota controller's key order (status.hard's), so its recount is a no-op.
      for (const k of [...Object.keys(hard), ...Object.keys(used)]) {
        if (k in nextUsed || (used[k] === undefined && !requested.has(k))) continue;
        nextUsed[k] = requested.has(k) ? formatUsed(k, parseQuantity(used[k] ?? '0') + (requested.get(k) ?? 0), hard[k]) : used[k];
      }
      next.status = {
        ...(isObject(next.status) ? next.status : {}),
        used: nextUsed,
      };
      updates.push(next);
    }
    if (a.dryRun) return;
    for (const next of updates)
      await api.update(quotaType, a.namespace, next.metadata.name ?? '', next, {
        manager: 'kube-apiserver',
        user: APISERVER_USER,
        subresource: 'status',
      });
  };

  return {
    name: 'ResourceQuota',
    validate: async (a) => {
      // resource_quota.go: subresources, cluster-scoped objects and namespace creation are not charged;
      // only creates consume (the evaluators that handle updates change nothing for our kinds).
      if (a.subresource || !a.namespace || a.operation !== 'CREATE') return;
      if (IGNORED.has(`${a.type.group}/${a.type.plural}`)) return;
      await serialize(a.namespace, () => evaluate(a));
    },
  };
}
