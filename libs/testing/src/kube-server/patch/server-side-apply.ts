// Server-side apply and managedFields tracking, following sigs.k8s.io/structured-merge-diff (merge/update.go:
// Updater.Apply / Updater.Update / prune; typed/{merge,compare,tofieldset,remove}.go) and the apiserver's
// field manager chain in k8s.io/apimachinery/pkg/util/managedfields/internal (stripmeta.go,
// managedfieldsupdater.go, conflict.go, managedfields.go). The object schema is the table in patch-schema.ts.
import { badRequest, PatchError, unknownError, type PatchErrorCause } from './patch-error';
import { FieldSet, fieldElement, keyElement, pathToString, valueElement, type FieldPath } from './field-set';
import { cloneJson, isJsonObject, jsonEqual, type JsonObject, type JsonValue } from './json-value';
import {
  CUSTOM_RESOURCE_SCHEMA,
  defaultResetFields,
  LIST_KEY_DEFAULTS,
  listSemantics,
  rootSchema,
  structOf,
  type FieldSchema,
  type GroupVersionKind,
  type StructSchema,
  withZeroFields,
} from './patch-schema';

/** metav1.ManagedFieldsEntry */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: JsonObject;
  subresource?: string;
}

export interface ServerSideApplyOptions {
  manager: string;
  force: boolean;
  /** RFC 3339 timestamp (seconds precision, as the apiserver writes it) for the managedFields entry. */
  now: string;
  operation?: 'Apply';
  /**
   * Top-level field paths this write never owns (GetResetFields of the kind's strategy). Defaults to
   * `status` for built-in kinds with a status subresource; a custom resource whose CRD enables the
   * status subresource should pass [['status']].
   */
  resetFields?: string[][];
}

export interface UpdateManagerOptions {
  /** As ServerSideApplyOptions.resetFields. */
  resetFields?: string[][];
}

function resetPaths(obj: JsonObject, resetFields: string[][] | undefined): FieldPath[] {
  return (resetFields ?? defaultResetFields(gvkOf(obj))).map((path) => path.map(fieldElement));
}

function filterComparison(comparison: Comparison, reset: FieldPath[]): Comparison {
  if (reset.length === 0) return comparison;
  return {
    added: comparison.added.withoutSubtrees(reset),
    modified: comparison.modified.withoutSubtrees(reset),
    removed: comparison.removed.withoutSubtrees(reset),
  };
}

export interface ServerSideApplyResult<T> {
  object: T;
  conflicts: never[];
}

// ---- schema walking --------------------------------------------------------------------------------

/** Where a value sits in the schema: a struct (named fields), a Go map, or a list field. */
interface Shape {
  struct?: StructSchema;
  isMap: boolean;
  field?: FieldSchema;
}

function childShape(parent: Shape, key: string): Shape {
  if (parent.isMap) return { isMap: false };
  const field = parent.struct?.[key];
  return { struct: structOf(field), isMap: field?.map === true, field };
}

function itemShape(list: Shape): Shape {
  return { struct: structOf(list.field), isMap: false };
}

function rootShape(obj: JsonObject): Shape {
  return {
    struct: rootSchema(gvkOf(obj)) ?? CUSTOM_RESOURCE_SCHEMA,
    isMap: false,
  };
}

function gvkOf(obj: JsonObject): GroupVersionKind {
  const apiVersion = typeof obj['apiVersion'] === 'string' ? obj['apiVersion'] : '';
  const slash = apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: typeof obj['kind'] === 'string' ? obj['kind'] : '',
  };
}

/** A value that does not fit its schema (typed.ValidationError: path, then message). */
class TypedValueError extends Error {
  constructor(path: FieldPath, message: string) {
    super(`${pathToString(path)}: ${message}`);
  }
}

/** typed.listItemToPathElement for associative (keyed) and set lists. */
function listItemElement(item: JsonValue, shape: Shape, path: FieldPath, index: number): string {
  const semantics = listSemantics(shape.field);
  if (semantics.kind === 'set') return valueElement(item);
  if (semantics.kind !== 'map') throw new TypedValueError(path, 'atomic lists have no item elements');
  if (!isJsonObject(item)) {
    throw new TypedValueError(path, `element ${index}: associative list with keys may not have non-map elements`);
  }
  const keyFields: Record<string, JsonValue> = {};
  for (const key of semantics.keys) {
    const value = item[key] ?? LIST_KEY_DEFAULTS[key];
    if (value === undefined) {
      throw new TypedValueError(
        path,
        `element ${index}: associative list with keys has an element that omits key field "${key}" (and doesn't have default value)`,
      );
    }
    keyFields[key] = value;
  }
  return keyElement(keyFields);
}

/** objectGVKNN in structuredmerge.go: `namespace/name; group/version, Kind=kind`. */
function describeObject(obj: JsonObject): string {
  const metadata = isJsonObject(obj['metadata']) ? obj['metadata'] : {};
  const gvk = gvkOf(obj);
  return `${String(metadata['namespace'] ?? '')}/${String(metadata['name'] ?? '')}; ${gvk.group}/${gvk.version}, Kind=${gvk.kind}`;
}

/**
 * structuredMergeManager.Apply converts both objects to typed values first; a failure is a plain error
 * (500, no reason). The applied object may not hold duplicate list keys, the live one may.
 */
function checkTyped(obj: JsonObject, shape: Shape, role: 'patch' | 'live'): void {
  try {
    collectFields(obj, shape, [], new FieldSet(), role === 'patch');
  } catch (err: unknown) {
    if (!(err instanceof TypedValueError)) throw err;
    throw unknownError(`failed to create typed ${role} object (${describeObject(obj)}): ${err.message}`);
  }
}

type ValueKind = 'map' | 'list' | 'scalar';
function valueKind(value: JsonValue): ValueKind {
  if (Array.isArray(value)) return 'list';
  return isJsonObject(value) ? 'map' : 'scalar';
}

/** Items of a non-atomic list by path element, first occurrence wins. */
function indexItems(list: JsonValue[], shape: Shape, path: FieldPath): [string[], Map<string, JsonValue>] {
  const order: string[] = [];
  const byElement = new Map<string, JsonValue>();
  for (const [index, item] of list.entries()) {
    const pe = listItemElement(item, shape, path, index);
    if (byElement.has(pe)) continue;
    byElement.set(pe, item);
    order.push(pe);
  }
  return [order, byElement];
}

// ---- typed.ToFieldSet ------------------------------------------------------------------------------

function toFieldSet(value: JsonValue, shape: Shape): FieldSet {
  const set = new FieldSet();
  collectFields(value, shape, [], set, false);
  return set;
}

function collectFields(value: JsonValue, shape: Shape, path: FieldPath, set: FieldSet, strict: boolean): void {
  switch (valueKind(value)) {
    case 'scalar':
      set.insert(path);
      return;
    case 'list': {
      if (listSemantics(shape.field).kind === 'atomic') {
        set.insert(path);
        return;
      }
      const [order, items] = indexItems(value as JsonValue[], shape, path);
      if (strict && order.length < (value as JsonValue[]).length) {
        const seen = new Set<string>();
        for (const [index, item] of (value as JsonValue[]).entries()) {
          const pe = listItemElement(item, shape, path, index);
          if (seen.has(pe)) throw new TypedValueError(path, `duplicate entries for key ${pathToString([pe])}`);
          seen.add(pe);
        }
      }
      for (const pe of order) {
        const itemPath = [...path, pe];
        collectFields(items.get(pe) as JsonValue, itemShape(shape), itemPath, set, strict);
        set.insert(itemPath);
      }
      return;
    }
    case 'map':
      for (const [key, child] of Object.entries(value as JsonObject)) {
        const childPath = [...path, fieldElement(key)];
        collectFields(child, childShape(shape, key), childPath, set, strict);
        // Empty maps, nulls and Go map entries (not struct fields) are owned as a whole.
        const emptyMap = isJsonObject(child) && Object.keys(child).length === 0;
        if (child === null || emptyMap || shape.isMap) set.insert(childPath);
      }
  }
}

/** fieldpath.Set.EnsureNamedFieldsAreMembers: struct fields on the way to an owned path count as owned. */
function ensureNamedFieldsAreMembers(set: FieldSet, shape: Shape): FieldSet {
  const out = new FieldSet();
  for (const pe of set.members) out.members.add(pe);
  for (const [pe, child] of set.children) {
    const isField = pe.startsWith('f:');
    if (isField && !shape.isMap) out.members.add(pe);
    const next = isField ? childShape(shape, pe.slice(2)) : itemShape(shape);
    out.children.set(pe, ensureNamedFieldsAreMembers(child, next));
  }
  return out;
}

// ---- typed.Compare ---------------------------------------------------------------------------------

interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

function compare(lhs: JsonValue | undefined, rhs: JsonValue | undefined, shape: Shape): Comparison {
  const out: Comparison = {
    added: new FieldSet(),
    modified: new FieldSet(),
    removed: new FieldSet(),
  };
  compareAt(lhs, rhs, shape, [], out);
  return out;
}

function compareLeaf(lhs: JsonValue | undefined, rhs: JsonValue | undefined, path: FieldPath, out: Comparison): void {
  if (lhs === undefined) out.added.insert(path);
  else if (rhs === undefined) out.removed.insert(path);
  else if (!jsonEqual(lhs, rhs)) out.modified.insert(path);
}

function isEmptyContainer(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0;
}

function compareAt(lhs: JsonValue | undefined, rhs: JsonValue | undefined, shape: Shape, path: FieldPath, out: Comparison): void {
  // A null is a present value; against a list or map it reads as an empty one of that type.
  const lKind = lhs === undefined || lhs === null ? undefined : valueKind(lhs);
  const rKind = rhs === undefined || rhs === null ? undefined : valueKind(rhs);
  if (lKind && rKind && lKind !== rKind) {
    out.modified.insert(path);
    return;
  }
  const kind = lKind ?? rKind ?? 'scalar';
  if (kind === 'scalar') {
    compareLeaf(lhs, rhs, path, out);
    return;
  }
  const bothEmpty = isEmptyContainer(lhs) && isEmptyContainer(rhs);
  if (kind === 'list') {
    if (listSemantics(shape.field).kind === 'atomic' || bothEmpty) {
      compareLeaf(lhs, rhs, path, out);
      return;
    }
    const [lOrder, lItems] = indexItems((lhs ?? []) as JsonValue[], shape, path);
    const [rOrder, rItems] = indexItems((rhs ?? []) as JsonValue[], shape, path);
    for (const pe of new Set([...lOrder, ...rOrder])) {
      compareAt(lItems.get(pe), rItems.get(pe), itemShape(shape), [...path, pe], out);
    }
  } else {
    if (bothEmpty) {
      compareLeaf(lhs, rhs, path, out);
      return;
    }
    const l = (lhs ?? {}) as JsonObject;
    const r = (rhs ?? {}) as JsonObject;
    for (const key of new Set([...Object.keys(l), ...Object.keys(r)])) {
      compareAt(l[key], r[key], childShape(shape, key), [...path, fieldElement(key)], out);
    }
  }
  if (lhs === undefined) out.added.insert(path);
  else if (rhs === undefined) out.removed.insert(path);
}

// ---- typed.Merge (live + applied configuration, the configuration wins) ----------------------------

function merge(lhs: JsonValue | undefined, rhs: JsonValue | undefined, shape: Shape, path: FieldPath): JsonValue | undefined {
  if (rhs === undefined) return lhs;
  if (lhs === undefined || valueKind(lhs) !== valueKind(rhs)) return cloneJson(rhs);
  if (Array.isArray(lhs) && Array.isArray(rhs)) {
    if (listSemantics(shape.field).kind === 'atomic') return cloneJson(rhs);
    return mergeList(lhs, rhs, shape, path);
  }
  if (isJsonObject(lhs) && isJsonObject(rhs)) {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(lhs)) {
      out[key] = key in rhs ? (merge(value, rhs[key], childShape(shape, key), [...path, fieldElement(key)]) as JsonValue) : value;
    }
    for (const [key, value] of Object.entries(rhs)) if (!(key in lhs)) out[key] = cloneJson(value);
    return out;
  }
  return rhs;
}

/**
 * mergingWalker.visitListItems: live items keep their place, applied items not yet live are inserted
 * in the applied order right after the shared item that precedes them.
 */
function mergeList(lhs: JsonValue[], rhs: JsonValue[], shape: Shape, path: FieldPath): JsonValue[] {
  const [rhsPEs, observedRHS] = indexItems(rhs, shape, path);
  const [lhsPEs, observedLHS] = indexItems(lhs, shape, path);
  const sharedOrder = rhsPEs.filter((pe) => observedLHS.has(pe));
  let nextShared = sharedOrder.shift();
  const mergedRHS = new Set<string>();
  const out: JsonValue[] = [];
  const mergeItem = (pe: string) => out.push(merge(observedLHS.get(pe), observedRHS.get(pe), itemShape(shape), [...path, pe]) as JsonValue);

  let lI = 0;
  let rI = 0;
  while (lI < lhsPEs.length || rI < rhsPEs.length) {
    if (lI < lhsPEs.length && rI < rhsPEs.length) {
      const pe = lhsPEs[lI];
      if (pe === rhsPEs[rI]) {
        mergedRHS.add(pe);
        mergeItem(pe);
        lI++;
        rI++;
        nextShared = sharedOrder.shift();
        continue;
      }
      if (observedRHS.has(pe) && nextShared !== undefined && nextShared !== pe) {
        lI++;
        continue;
      }
    }
    if (lI < lhsPEs.length) {
      const pe = lhsPEs[lI];
      if (!observedRHS.has(pe)) {
        mergeItem(pe);
        lI++;
        continue;
      } else if (mergedRHS.has(pe)) {
        lI++;
      }
    }
    if (rI < rhsPEs.length) {
      const pe = rhsPEs[rI];
      mergedRHS.add(pe);
      mergeItem(pe);
      rI++;
      if (nextShared !== undefined && nextShared === pe) nextShared = sharedOrder.shift();
    }
  }
  return out;
}

// ---- typed.RemoveItems -----------------------------------------------------------------------------

/** Removes the paths of `set` (whole subtrees). `null` is Go's nil: a walked map or list left empty. */
function removeItems(value: JsonValue, set: FieldSet, shape: Shape, path: FieldPath): JsonValue {
  if (Array.isArray(value)) {
    if (value.length === 0 || listSemantics(shape.field).kind === 'atomic') return null;
    const items: JsonValue[] = [];
    for (const [index, item] of value.entries()) {
      const pe = listItemElement(item, shape, path, index);
      if (set.members.has(pe)) continue;
      const sub = set.children.get(pe);
      items.push(sub ? removeItems(item, sub, itemShape(shape), [...path, pe]) : item);
    }
    return items.length > 0 ? items : null;
  }
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      const pe = fieldElement(key);
      if (set.members.has(pe)) continue;
      const sub = set.children.get(pe);
      out[key] = sub ? removeItems(child, sub, childShape(shape, key), [...path, pe]) : child;
    }
    return Object.keys(out).length > 0 ? out : null;
  }
  return value;
}

/** Decoding into the Go type drops nil fields; the test server keeps objects in that decoded form. */
function dropNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) if (child !== null) out[key] = dropNulls(child);
  return out;
}

// ---- managed fields --------------------------------------------------------------------------------

interface Manager {
  entry: ManagedFieldsEntry;
  set: FieldSet;
}

/** internal.BuildManagerIdentifier: the entry without time and fields; appliers also without apiVersion. */
function managerIdentifier(entry: Pick<ManagedFieldsEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  const id: Record<string, string> = {
    manager: entry.manager,
    operation: entry.operation,
  };
  if (entry.operation !== 'Apply' && entry.apiVersion) id['apiVersion'] = entry.apiVersion;
  if (entry.subresource) id['subresource'] = entry.subresource;
  return JSON.stringify(id);
}

function decodeManagedFields(entries: unknown): Map<string, Manager> {
  const managers = new Map<string, Manager>();
  if (!Array.isArray(entries)) return managers;
  for (const raw of entries) {
    if (!isJsonObject(raw)) continue;
    const entry = raw as unknown as ManagedFieldsEntry;
    const id = managerIdentifier(entry);
    const set = FieldSet.fromFieldsV1(entry.fieldsV1);
    const previous = managers.get(id);
    managers.set(id, { entry, set: previous ? previous.set.union(set) : set });
  }
  return managers;
}

/** internal.encodeManagedFields + sortEncodedManagedFields: Apply before Update, then by time, manager. */
function encodeManagedFields(managers: Map<string, Manager>): ManagedFieldsEntry[] {
  const entries = [...managers.values()].map(({ entry, set }) => {
    const out: ManagedFieldsEntry = {
      manager: entry.manager,
      operation: entry.operation,
    };
    if (entry.apiVersion) out.apiVersion = entry.apiVersion;
    if (entry.time) out.time = entry.time;
    out.fieldsType = 'FieldsV1';
    out.fieldsV1 = set.toFieldsV1();
    if (entry.subresource) out.subresource = entry.subresource;
    return out;
  });
  const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  const cmp = (a: string | undefined, b: string | undefined) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0);
  return entries.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource, q.subresource),
  );
}

/** internal.NewStripMetaManager: fields the server sets are never owned by anyone. */
const STRIPPED_FIELDS = FieldSet.of([
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
    (field) => ['f:metadata', `f:${field}`],
  ),
]);

function withoutManagedFields(obj: JsonObject | undefined): JsonObject {
  const copy = obj ? cloneJson(obj) : {};
  const metadata = copy['metadata'];
  if (isJsonObject(metadata)) delete metadata['managedFields'];
  return copy;
}

function withManagedFields<T>(obj: JsonObject, managers: Map<string, Manager>): T {
  const metadata = isJsonObject(obj['metadata']) ? obj['metadata'] : {};
  delete metadata['managedFields'];
  const entries = encodeManagedFields(managers);
  if (entries.length > 0) metadata['managedFields'] = entries as unknown as JsonValue;
  obj['metadata'] = metadata;
  return obj as unknown as T;
}

interface Conflict {
  managerId: string;
  path: FieldPath;
}

/**
 * Updater.update: other managers lose the fields this write changed (their conflicts, when forced)
 * and the fields it removed; managers left with nothing are dropped.
 */
function updateOwnership(managers: Map<string, Manager>, comparison: Comparison, workflowId: string, force: boolean): Conflict[] {
  const changed = comparison.modified.union(comparison.added);
  const conflicts: Conflict[] = [];
  const conflictSets = new Map<string, FieldSet>();
  for (const [id, manager] of managers) {
    if (id === workflowId) continue;
    const conflictSet = manager.set.intersection(changed);
    if (!conflictSet.isEmpty()) {
      conflictSets.set(id, conflictSet);
      for (const path of conflictSet.paths()) conflicts.push({ managerId: id, path });
    }
  }
  if (!force && conflicts.length > 0) return conflicts;
  for (const [id, manager] of managers) {
    if (id === workflowId) continue;
    let set = manager.set;
    const conflictSet = conflictSets.get(id);
    if (conflictSet) set = set.difference(conflictSet);
    set = set.difference(comparison.removed);
    if (set.isEmpty()) managers.delete(id);
    else manager.set = set;
  }
  return [];
}

/** internal.printManager */
function printManager(managerId: string): string {
  const entry = JSON.parse(managerId) as ManagedFieldsEntry;
  let out = JSON.stringify(entry.manager);
  if (entry.subresource) out = `${out} with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === 'Update') return `${out} using ${entry.apiVersion ?? ''}`;
  return out;
}

/** internal.NewConflictError: 409 Conflict with one FieldManagerConflict cause per conflicting path. */
function conflictError(conflicts: Conflict[]): PatchError {
  conflicts.sort((a, b) => (a.managerId < b.managerId ? -1 : a.managerId > b.managerId ? 1 : 0));
  const causes: PatchErrorCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c.managerId)}`,
    field: pathToString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0].managerId)}: ${pathToString(conflicts[0].path)}`;
  } else {
    const lines: string[] = [];
    for (const id of [...new Set(conflicts.map((c) => c.managerId))]) {
      lines.push(`conflicts with ${printManager(id)}:`);
      for (const c of conflicts.filter((c) => c.managerId === id)) lines.push(`- ${pathToString(c.path)}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new PatchError('Conflict', 409, message, causes);
}

// ---- public API ------------------------------------------------------------------------------------

/**
 * Server-side apply of `applied` (the decoded apply-patch+yaml body) onto `live` (undefined when the
 * apply creates the object). Returns the new object with metadata.managedFields, or throws a 409
 * PatchError listing the fields another manager owns with a different value when `force` is false.
 */
export function applyServerSideApply<T extends object>(
  live: T | undefined,
  applied: object,
  opts: ServerSideApplyOptions,
): ServerSideApplyResult<T> {
  if (!isJsonObject(applied)) throw badRequest('error decoding patch: the apply patch must be an object');
  const config = cloneJson(applied) as JsonObject;
  const appliedMeta = config['metadata'];
  if (isJsonObject(appliedMeta) && appliedMeta['managedFields'] != null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  const liveObj = live as JsonObject | undefined;
  if (liveObj && liveObj['apiVersion'] !== config['apiVersion']) {
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${String(config['apiVersion'] ?? '')}, expected: ${String(liveObj['apiVersion'])}`,
    );
  }

  const shape = rootShape(config);
  checkTyped(config, shape, 'patch');
  if (liveObj) checkTyped(withoutManagedFields(liveObj), shape, 'live');
  const managers = decodeManagedFields(isJsonObject(liveObj?.['metadata']) ? liveObj['metadata']['managedFields'] : undefined);
  const before = withoutManagedFields(liveObj);
  const applierId = managerIdentifier({
    manager: opts.manager,
    operation: 'Apply',
  });
  const previous = managers.get(applierId);
  const apiVersion = String(config['apiVersion'] ?? '');
  const reset = resetPaths(config, opts.resetFields);

  // Updater.Apply: merge, record what the configuration owns, prune what it stopped owning.
  let merged = merge(before, config, shape, []) as JsonObject;
  managers.set(applierId, {
    entry: {
      manager: opts.manager,
      operation: 'Apply',
      apiVersion,
      time: previous?.entry.time,
    },
    set: toFieldSet(config, shape).withoutSubtrees(reset),
  });
  merged = prune(merged, managers, shape, previous?.set);

  const comparison = filterComparison(compare(before, merged, shape), reset);
  const conflicts = updateOwnership(managers, comparison, applierId, opts.force);
  if (conflicts.length > 0) throw conflictError(conflicts);

  // stripMetaManager, then managedFieldsUpdater: the applier's time moves only when the object changed.
  const applier = managers.get(applierId) as Manager;
  applier.set = applier.set.difference(STRIPPED_FIELDS);
  if (applier.set.isEmpty()) managers.delete(applierId);
  if (!jsonEqual(before, merged) || !liveObj) applier.entry.time = opts.now;

  const object = withManagedFields<T>(dropNulls(merged) as JsonObject, managers);
  return { object, conflicts: [] };
}

/**
 * Updater.prune: removes what the applier owned last time, no longer applies, and nobody else owns
 * (addBackOwnedItems + addBackDanglingItems).
 */
function prune(merged: JsonObject, managers: Map<string, Manager>, shape: Shape, lastSet: FieldSet | undefined): JsonObject {
  if (!lastSet || lastSet.isEmpty()) return merged;
  const ensure = (set: FieldSet) => ensureNamedFieldsAreMembers(set, shape);
  const removeFrom = (set: FieldSet) => (removeItems(merged, set, shape, []) ?? {}) as JsonObject;
  const last = ensure(lastSet);
  let managed = new FieldSet();
  for (const manager of managers.values()) managed = managed.union(manager.set);

  const mergedSet = ensure(toFieldSet(merged, shape));
  const pruned = removeFrom(last);
  const ownedBack = removeFrom(mergedSet.difference(ensure(toFieldSet(pruned, shape)).union(ensure(managed))));
  return removeFrom(mergedSet.difference(ensure(toFieldSet(ownedBack, shape))).intersection(last));
}

/**
 * managedFields bookkeeping for an ordinary write (create, update, any non-apply patch) by `manager`,
 * as FieldManager.Update does: the writer takes the fields it added or changed (from everyone, with no
 * conflict check), removed fields leave every manager, and its entry's time moves when it took any.
 * Returns a copy of `newObj` with metadata.managedFields set. `oldObj` is undefined on create.
 */
export function recordUpdateManager<T extends object>(
  oldObj: object | undefined,
  newObj: T,
  manager: string,
  now: string,
  options: UpdateManagerOptions = {},
): T {
  const next = newObj as unknown as JsonObject;
  const prior = oldObj as JsonObject | undefined;
  const requested = isJsonObject(next['metadata']) ? next['metadata']['managedFields'] : undefined;
  const fromLive = isJsonObject(prior?.['metadata']) ? prior['metadata']['managedFields'] : undefined;
  // decodeLiveOrNew: managedFields sent in the request win unless empty; [] or [{}] resets them.
  const reset =
    Array.isArray(requested) &&
    (requested.length === 0 || (requested.length === 1 && isJsonObject(requested[0]) && Object.keys(requested[0]).length === 0));
  let managers = reset ? new Map<string, Manager>() : decodeManagedFields(requested);
  if (!reset && managers.size === 0) managers = decodeManagedFields(fromLive);

  const before = withoutManagedFields(prior);
  const after = withoutManagedFields(next);
  const apiVersion = String(after['apiVersion'] ?? '');
  try {
    // Compared as typed objects: a create starts from the zero object of the kind.
    const gvk = gvkOf(after);
    const typedBefore = withZeroFields(prior ? before : { apiVersion: after['apiVersion'] ?? '', kind: after['kind'] ?? '' }, gvk);
    const comparison = filterComparison(
      compare(typedBefore, withZeroFields(after, gvk), rootShape(after)),
      resetPaths(after, options.resetFields),
    );
    updateOwnership(managers, comparison, '', true);
    const taken = comparison.modified.union(comparison.added).difference(STRIPPED_FIELDS);
    if (!taken.isEmpty()) {
      const id = managerIdentifier({
        manager,
        operation: 'Update',
        apiVersion,
      });
      const previous = managers.get(id);
      managers.set(id, {
        entry: { manager, operation: 'Update', apiVersion, time: now },
        set: previous ? previous.set.union(taken) : taken,
      });
    }
  } catch (err: unknown) {
    // FieldManager.UpdateNoErrors: a failure to track ownership keeps the live managedFields.
    if (!(err instanceof TypedValueError)) throw err;
    managers = decodeManagedFields(fromLive);
  }
  return withManagedFields<T>(after, managers);
}
