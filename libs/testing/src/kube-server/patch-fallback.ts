// Stand-in patch algorithms until ./patch lands: RFC 6902 via fast-json-patch, RFC 7386 merge,
// a strategic merge covering the merge keys kubectl relies on, and a small server-side apply.
import { applyPatch, Operation } from 'fast-json-patch';
import {
  appliedFields,
  FieldTree,
  updateManagedFields,
} from './managed-fields';
import {
  ApplyConflict,
  GroupVersionKind,
  PatchAlgorithms,
  PatchErrorLike,
} from './patch-contract';
import {
  KubeObject,
  ManagedFieldsEntry,
  clone,
  deepEqual,
  isObject,
} from './types';

export class PatchError extends Error implements PatchErrorLike {
  constructor(
    readonly reason: string,
    message: string,
    readonly causes?: { reason?: string; message?: string; field?: string }[],
  ) {
    super(message);
  }
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
};

function mergeKeyFor(field: string, items: unknown[]): string | undefined {
  if (field === 'ports')
    return items.some((i) => isObject(i) && 'containerPort' in i)
      ? 'containerPort'
      : 'port';
  return MERGE_KEYS[field];
}

/**
 * Merges a list by its patch merge key, ordered as strategicpatch's normalizeElementOrder does:
 * live-only items keep their order, patch items theirs, and a patch item goes first unless both
 * are in the live list with the live item earlier.
 */
function mergeKeyedList(
  live: unknown[],
  patch: unknown[],
  key: string,
): unknown[] {
  const keyOf = (x: unknown) =>
    isObject(x) ? JSON.stringify(x[key]) : undefined;
  const liveOrder = live.map(keyOf);
  const patchKeys = new Set(patch.map(keyOf));
  const patched: unknown[] = [];
  for (const item of patch) {
    const before = live.find((x) => keyOf(x) === keyOf(item));
    const merged = strategicMerge(before, item);
    if (merged !== undefined) patched.push(merged);
  }
  const liveOnly = live.filter((x) => !patchKeys.has(keyOf(x)));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < liveOnly.length || j < patched.length) {
    if (j >= patched.length) out.push(liveOnly[i++]);
    else if (i >= liveOnly.length) out.push(patched[j++]);
    else {
      const li = liveOrder.indexOf(keyOf(liveOnly[i]));
      const ri = liveOrder.indexOf(keyOf(patched[j]));
      if (li >= 0 && ri >= 0 && li < ri) out.push(liveOnly[i++]);
      else out.push(patched[j++]);
    }
  }
  return out;
}

function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const rest = { ...patch };
    delete rest.$patch;
    return rest;
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  const retain = patch.$retainKeys as string[] | undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (
      k.startsWith('$setElementOrder/') ||
      k === '$retainKeys' ||
      k === '$patch'
    )
      continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]))
        out[field] = (out[field] as unknown[]).filter(
          (x) => !(v as unknown[]).includes(x),
        );
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      const key = mergeKeyFor(k, v);
      if (key && Array.isArray(out[k])) {
        out[k] = mergeKeyedList(out[k] as unknown[], v, key);
        continue;
      }
      out[k] = clone(v);
      continue;
    }
    const merged = strategicMerge(out[k], v);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  if (retain)
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  return out;
}

function leafPaths(tree: FieldTree, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(tree)) {
    if (k === '.') continue;
    const seg = k.startsWith('f:')
      ? `.${k.slice(2)}`
      : k.startsWith('k:')
        ? `[${k
            .slice(2)
            .replace(/^\{|\}$/g, '')
            .replace(/"/g, '')
            .replace(/:/g, '=')}]`
        : `[${k.slice(2)}]`;
    const children = Object.keys(v).filter((x) => x !== '.');
    if (children.length === 0) out.push(prefix + seg);
    else out.push(...leafPaths(v, prefix + seg));
  }
  return out;
}

function treeHas(tree: FieldTree, path: string): boolean {
  return leafPaths(tree).includes(path);
}

function valueAtTree(
  obj: unknown,
  tree: FieldTree,
  path: string,
  prefix = '',
): unknown {
  for (const [k, v] of Object.entries(tree)) {
    if (k === '.') continue;
    let child: unknown;
    let seg: string;
    if (k.startsWith('f:')) {
      child = isObject(obj) ? obj[k.slice(2)] : undefined;
      seg = `.${k.slice(2)}`;
    } else if (k.startsWith('k:')) {
      const want = JSON.parse(k.slice(2)) as Record<string, unknown>;
      child = Array.isArray(obj)
        ? obj.find(
            (i) =>
              isObject(i) && Object.entries(want).every(([a, b]) => i[a] === b),
          )
        : undefined;
      seg = `[${k
        .slice(2)
        .replace(/^\{|\}$/g, '')
        .replace(/"/g, '')
        .replace(/:/g, '=')}]`;
    } else continue;
    const p = prefix + seg;
    if (p === path) return child;
    if (path.startsWith(p)) return valueAtTree(child, v, path, p);
  }
  return undefined;
}

/** Merges the applied configuration into the live object (maps merged, keyed lists by key). */
function applyMerge(live: unknown, applied: unknown, field = ''): unknown {
  if (isObject(applied)) {
    const out: Record<string, unknown> = isObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied))
      out[k] = applyMerge(out[k], v, k);
    return out;
  }
  if (Array.isArray(applied)) {
    const key = mergeKeyFor(field, applied);
    if (key && Array.isArray(live)) {
      const list = live.slice();
      for (const item of applied) {
        const i = list.findIndex(
          (x) => isObject(x) && isObject(item) && x[key] === item[key],
        );
        if (i >= 0) list[i] = applyMerge(list[i], item);
        else list.push(clone(item));
      }
      return list;
    }
  }
  return clone(applied);
}

/** Removes fields the manager applied before but not now, when no other manager owns them. */
function removeDropped(obj: Record<string, unknown>, dropped: FieldTree): void {
  for (const [k, v] of Object.entries(dropped)) {
    if (!k.startsWith('f:')) continue;
    const name = k.slice(2);
    const children = Object.keys(v).filter((x) => x !== '.');
    if (children.length === 0) delete obj[name];
    else if (isObject(obj[name]))
      removeDropped(obj[name] as Record<string, unknown>, v);
  }
}

function subtractTree(a: FieldTree, b: FieldTree): FieldTree {
  const out: FieldTree = {};
  for (const [k, v] of Object.entries(a)) {
    if (!(k in b)) out[k] = v;
    else if (Object.keys(v).length) {
      const rest = subtractTree(v, b[k]);
      if (Object.keys(rest).filter((x) => x !== '.').length) out[k] = rest;
    }
  }
  return out;
}

export const fallbackPatch: PatchAlgorithms = {
  applyJsonPatch(obj, ops) {
    if (!Array.isArray(ops))
      throw new PatchError(
        'BadRequest',
        'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
      );
    try {
      return applyPatch(clone(obj), ops as Operation[], true, false)
        .newDocument;
    } catch (e) {
      throw new PatchError(
        'UnprocessableEntity',
        e instanceof Error ? e.message.split('\n')[0] : String(e),
      );
    }
  },
  applyMergePatch(obj, patch) {
    if (!isObject(patch))
      throw new PatchError(
        'BadRequest',
        'json: cannot unmarshal array into Go value of type map[string]interface {}',
      );
    return mergePatch(obj, patch) as KubeObject;
  },
  applyStrategicMergePatch(obj, patch, _kind: GroupVersionKind) {
    if (!isObject(patch))
      throw new PatchError(
        'BadRequest',
        'json: cannot unmarshal array into Go value of type map[string]interface {}',
      );
    return strategicMerge(obj, patch) as KubeObject;
  },
  applyServerSideApply(live, applied, { manager, force }) {
    const appliedContent: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(applied)) {
      if (k === 'apiVersion' || k === 'kind') continue;
      if (k === 'metadata' && isObject(v)) {
        const m = { ...v };
        for (const sys of [
          'name',
          'namespace',
          'uid',
          'resourceVersion',
          'managedFields',
          'creationTimestamp',
          'generation',
        ])
          delete m[sys];
        if (Object.keys(m).length) appliedContent.metadata = m;
        continue;
      }
      appliedContent[k] = v;
    }
    const mine = appliedFields(appliedContent);
    const previous: ManagedFieldsEntry[] = live?.metadata.managedFields ?? [];
    const conflicts: ApplyConflict[] = [];
    if (live && !force) {
      for (const e of previous) {
        if (e.manager === manager && e.operation === 'Apply') continue;
        for (const p of leafPaths(mine)) {
          if (!treeHas(e.fieldsV1 as FieldTree, p)) continue;
          if (
            !deepEqual(
              valueAtTree(live, mine, p),
              valueAtTree(appliedContent, mine, p),
            )
          )
            conflicts.push({
              manager: e.manager,
              field: p,
              message: `conflict with "${e.manager}"`,
            });
        }
      }
    }
    if (conflicts.length) return { object: live as KubeObject, conflicts };
    const base: KubeObject = live
      ? clone(live)
      : {
          apiVersion: applied.apiVersion,
          kind: applied.kind,
          metadata: { ...applied.metadata },
        };
    const before = previous.find(
      (e) => e.manager === manager && e.operation === 'Apply',
    );
    const merged = applyMerge(base, appliedContent) as KubeObject;
    if (before) {
      let dropped = subtractTree(before.fieldsV1 as FieldTree, mine);
      for (const e of previous)
        if (e !== before)
          dropped = subtractTree(dropped, e.fieldsV1 as FieldTree);
      removeDropped(merged as unknown as Record<string, unknown>, dropped);
    }
    merged.metadata.managedFields = updateManagedFields({
      manager,
      apiVersion: String(applied.apiVersion),
      before: {},
      after: merged as unknown as Record<string, unknown>,
      previous: force ? previous : previous,
      operation: 'Apply',
      applied: mine,
    });
    return { object: merged, conflicts: [] };
  },
};
