// metadata.managedFields for Update operations, following sigs.k8s.io/structured-merge-diff as
// kube-apiserver's field manager uses it: a manager owns the fields its request added or changed
// (a newly added map or list item is itself a member, written "."), and loses nothing else; other
// managers lose the fields it changed. Fields are keyed "f:name", list items "k:{...}" or "v:...".
import { JsonObject, KubeObject, ManagedFieldsEntry, deepEqual, isObject, now } from './types';

export type FieldTree = { [key: string]: FieldTree };

/** Associative lists (+listType=map) of the built-in types, by field name, with their keys. */
const LIST_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  conditions: ['type'],
  ownerReferences: ['uid'],
  imagePullSecrets: ['name'],
  hostAliases: ['ip'],
  resourceClaims: ['name'],
  // admissionregistration/v1 (Validating|Mutating)WebhookConfiguration.webhooks.
  webhooks: ['name'],
};
/**
 * Associative lists serialised without omitempty: the empty Go object the field manager compares a
 * create against already holds them (as null), so they are modified, not added, and are no member
 * ("."); every other associative list is (kube's containers vs. a configuration's webhooks).
 */
const LISTS_PRESENT_WHEN_EMPTY = new Set(['containers']);
/** +listType=set lists of scalars. */
const SET_LISTS = new Set(['finalizers']);
/** +structType=atomic structs (metav1.LabelSelector under these names): owned as a whole. */
const ATOMIC_STRUCTS = new Set(['namespaceSelector', 'objectSelector']);
/**
 * Fields that hold a metav1.LabelSelector (atomic) in some kinds and a plain label map in others
 * (a Service's `selector`): atomic when the value has a LabelSelector's shape.
 */
const LABEL_SELECTOR_FIELDS = new Set(['selector', 'podSelector', 'labelSelector']);
function isAtomic(field: string, value: unknown): boolean {
  if (ATOMIC_STRUCTS.has(field)) return true;
  return (
    LABEL_SELECTOR_FIELDS.has(field) &&
    isObject(value) &&
    (Object.keys(value).length === 0 || 'matchLabels' in value || 'matchExpressions' in value)
  );
}
/**
 * Struct fields that are not pointers (Deployment's `template` and `strategy`, a template's `metadata`
 * and `spec`, an HPA's `scaleTargetRef`): the typed empty object the field manager compares a create
 * against already holds them, so they are modified, not added, and are no member (".").
 */
const STRUCTS_PRESENT_WHEN_EMPTY = new Set(['template', 'strategy', 'updateStrategy', 'scaleTargetRef']);
const TEMPLATE_STRUCTS = new Set(['metadata', 'spec']);

function listKeysFor(field: string, items: unknown[]): string[] | undefined {
  if (field === 'ports') {
    // Container ports are keyed by containerPort+protocol, Service ports by port+protocol.
    return items.some((i) => isObject(i) && 'containerPort' in i) ? ['containerPort', 'protocol'] : ['port', 'protocol'];
  }
  return LIST_KEYS[field];
}

function itemKey(item: unknown, keys: string[]): string {
  const k: Record<string, unknown> = {};
  for (const key of [...keys].sort()) if (isObject(item) && item[key] !== undefined) k[key] = item[key];
  return `k:${JSON.stringify(k)}`;
}

/** Fields added or changed from `oldV` to `newV` (null when nothing changed). */
export function changedFields(oldV: unknown, newV: unknown, field = '', parent = ''): FieldTree | null {
  if (newV === undefined) return null;
  if (isAtomic(field, newV) && isObject(newV)) return deepEqual(oldV, newV) ? null : {};
  // A template's creationTimestamp is a zero metav1.Time, written null, in the empty object as well.
  if (field === 'creationTimestamp' && newV === null && parent === 'metadata' && oldV === undefined) return null;
  if (isObject(newV)) {
    const oldObj = isObject(oldV) ? oldV : undefined;
    if (!oldObj && Object.keys(newV).length === 0) return {};
    const present = STRUCTS_PRESENT_WHEN_EMPTY.has(field) || (parent === 'template' && TEMPLATE_STRUCTS.has(field));
    const t: FieldTree = oldObj || present ? {} : { '.': {} };
    for (const [k, v] of Object.entries(newV)) {
      const c = changedFields(oldObj?.[k], v, k, field);
      if (c) t[`f:${k}`] = c;
    }
    return (oldObj || present) && Object.keys(t).length === 0 ? null : t;
  }
  if (Array.isArray(newV)) {
    const keys = listKeysFor(field, newV);
    const oldList = Array.isArray(oldV) ? oldV : [];
    if (keys) {
      const t: FieldTree = {};
      for (const item of newV) {
        const key = itemKey(item, keys);
        const before = oldList.find((o) => itemKey(o, keys) === key);
        const c = changedFields(before, item, '');
        if (c) t[key] = c;
      }
      if (oldV === undefined && !LISTS_PRESENT_WHEN_EMPTY.has(field)) return { '.': {}, ...t };
      return Object.keys(t).length ? t : null;
    }
    if (SET_LISTS.has(field)) {
      const t: FieldTree = {};
      for (const v of newV) if (!oldList.some((o) => deepEqual(o, v))) t[`v:${JSON.stringify(v)}`] = {};
      return Object.keys(t).length ? t : null;
    }
  }
  return deepEqual(oldV, newV) ? null : {};
}

/** Every field of an applied configuration, as an Apply manager owns them (maps are not members). */
export function appliedFields(value: unknown, field = ''): FieldTree {
  if (isAtomic(field, value)) return {};
  if (isObject(value)) {
    const t: FieldTree = {};
    for (const [k, v] of Object.entries(value)) t[`f:${k}`] = appliedFields(v, k);
    return t;
  }
  if (Array.isArray(value)) {
    const keys = listKeysFor(field, value);
    if (keys) {
      const t: FieldTree = {};
      for (const item of value) t[itemKey(item, keys)] = { '.': {}, ...appliedFields(item) };
      return t;
    }
    if (SET_LISTS.has(field)) return Object.fromEntries(value.map((v) => [`v:${JSON.stringify(v)}`, {}]));
  }
  return {};
}

export function mergeTrees(a: FieldTree, b: FieldTree): FieldTree {
  const out: FieldTree = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = out[k] ? mergeTrees(out[k], v) : v;
  return out;
}

/** Leaves of `changed` removed from `owned` (ownership moves to the manager that changed them). */
export function subtractLeaves(owned: FieldTree, changed: FieldTree): FieldTree {
  const out: FieldTree = {};
  for (const [k, v] of Object.entries(owned)) {
    const c = changed[k];
    if (!c) out[k] = v;
    else if (Object.keys(c).length === 0 && Object.keys(v).length === 0) continue;
    else if (Object.keys(v).length === 0) out[k] = v;
    else {
      const rest = subtractLeaves(v, c);
      const keys = Object.keys(rest);
      // FieldsV1 writes a field owned without its children as `{}`, never `{".": {}}`.
      if (keys.length === 1 && keys[0] === '.') out[k] = {};
      else if (keys.length) out[k] = rest;
    }
  }
  return out;
}

/** Drops owned fields that no longer exist in `value`. */
export function pruneToValue(owned: FieldTree, value: unknown): FieldTree {
  const out: FieldTree = {};
  for (const [k, v] of Object.entries(owned)) {
    if (k === '.') {
      out[k] = v;
      continue;
    }
    let child: unknown;
    if (k.startsWith('f:') && isObject(value)) child = value[k.slice(2)];
    else if (k.startsWith('k:') && Array.isArray(value)) {
      const want = JSON.parse(k.slice(2)) as Record<string, unknown>;
      child = value.find((i) => isObject(i) && Object.entries(want).every(([wk, wv]) => deepEqual(i[wk], wv)));
    } else if (k.startsWith('v:') && Array.isArray(value)) {
      const want: unknown = JSON.parse(k.slice(2));
      child = value.find((i) => deepEqual(i, want));
    }
    if (child === undefined) continue;
    if (Object.keys(v).length === 0) out[k] = v;
    else {
      const rest = pruneToValue(v, child);
      if (Object.keys(rest).some((x) => x !== '.') || rest['.']) out[k] = rest;
    }
  }
  return out;
}

const SYSTEM_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'generateName',
];

/**
 * The part of an object a field manager tracks: no apiVersion/kind/system metadata; the main
 * resource leaves `status` to the status subresource and vice versa (the strategies' reset fields).
 */
export function trackedContent(obj: KubeObject | Record<string, unknown>, subresource?: string, hasStatus = true) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (subresource === 'status' && k !== 'status') continue;
    if (!subresource && hasStatus && k === 'status') continue;
    if (k === 'metadata' && isObject(v)) {
      const m: Record<string, unknown> = {};
      for (const [mk, mv] of Object.entries(v)) if (!SYSTEM_METADATA.includes(mk)) m[mk] = mv;
      if (subresource !== 'status') out.metadata = m;
      continue;
    }
    out[k] = v;
  }
  return out;
}

export interface UpdateManagerOptions {
  manager: string;
  apiVersion: string;
  subresource?: string;
  /** Tracked content before the write ({} plus the type's always-present structs on create). */
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  /** The whole object's tracked content, against which every manager's set is pruned (defaults to `after`). */
  whole?: Record<string, unknown>;
  previous: ManagedFieldsEntry[] | undefined;
  operation?: 'Update' | 'Apply';
  /** For Apply: the fields of the applied configuration (replaces the manager's set). */
  applied?: FieldTree;
}

/** Computes the managedFields after a write by `manager`. */
export function updateManagedFields(o: UpdateManagerOptions): ManagedFieldsEntry[] {
  const operation = o.operation ?? 'Update';
  const changed = changedFields(o.before, o.after) ?? {};
  const entries: ManagedFieldsEntry[] = [];
  let mine: ManagedFieldsEntry | undefined;
  for (const e of o.previous ?? []) {
    const same =
      e.manager === o.manager &&
      e.operation === operation &&
      e.apiVersion === o.apiVersion &&
      (e.subresource ?? '') === (o.subresource ?? '');
    if (same) {
      mine = { ...e };
      continue;
    }
    const owned = pruneToValue(
      subtractLeaves(e.fieldsV1 as FieldTree, operation === 'Apply' ? (o.applied ?? {}) : changed),
      o.whole ?? o.after,
    );
    if (Object.keys(owned).length) entries.push({ ...e, fieldsV1: owned as JsonObject });
  }
  const base = operation === 'Apply' ? {} : ((mine?.fieldsV1 as FieldTree | undefined) ?? {});
  const fields = pruneToValue(operation === 'Apply' ? (o.applied ?? {}) : mergeTrees(base, changed), o.whole ?? o.after);
  if (Object.keys(fields).length || operation === 'Apply') {
    const entry: ManagedFieldsEntry = {
      manager: o.manager,
      operation,
      apiVersion: o.apiVersion,
      time: Object.keys(changed).length || !mine ? now() : mine.time,
      fieldsType: 'FieldsV1',
      fieldsV1: fields as JsonObject,
    };
    if (o.subresource) entry.subresource = o.subresource;
    const at = (o.previous ?? []).findIndex((e) => e.manager === o.manager && e.operation === operation);
    if (at >= 0 && mine) entries.splice(Math.min(at, entries.length), 0, entry);
    else entries.push(entry);
  }
  return entries;
}

/** Manager name kube-apiserver derives when ?fieldManager is absent: the User-Agent up to its first "/". */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const name = ua.split('/')[0];
  return name.slice(0, 128) || 'unknown';
}
