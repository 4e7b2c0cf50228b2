// Kubernetes strategic merge patch (application/strategic-merge-patch+json): a port of the apply side
// of k8s.io/apimachinery/pkg/util/strategicpatch/patch.go (StrategicMergeMapPatch with
// MergeParallelList and IgnoreUnmatchedNulls, as the apiserver's patch handler calls it), driven by the
// struct-tag table in patch-schema.ts. Function names follow the Go ones so the two can be read side by side.
import { badRequest, PatchError, rejectedRequest, unknownError } from './patch-error';
import { cloneJson, goFormat, isJsonObject, type JsonObject, type JsonValue } from './json-value';
import { fieldOf, rootSchema, structOf, type FieldSchema, type GroupVersionKind, type StructSchema } from './patch-schema';

const directiveMarker = '$patch';
const deleteDirective = 'delete';
const replaceDirective = 'replace';
const mergeDirective = 'merge';
const retainKeysDirective = '$retainKeys';
const deleteFromPrimitiveListDirectivePrefix = '$deleteFromPrimitiveList';
const setElementOrderDirectivePrefix = '$setElementOrder';

// k8s.io/apimachinery/pkg/util/mergepatch/errors.go. The patch handler's interpretStrategicMergePatchError
// answers the first group with 400, the second with 422; any other error is a plain 500.
const ErrBadPatchFormatForPrimitiveList = 'invalid patch format of primitive list';
const ErrBadPatchFormatForRetainKeys = 'invalid patch format of retainKeys';
const ErrBadPatchFormatForSetElementOrderList = 'invalid patch format of setElementOrder list';
const ErrNoListOfLists = 'lists of lists are not supported';

class SmpError extends Error {}

function errNoMergeKey(m: JsonObject, key: string): SmpError {
  return new SmpError(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);
}

function errBadPatchType(t: unknown, m: JsonObject): SmpError {
  return new SmpError(`unknown patch type: ${goFormat(t)} in map: ${goFormat(m)}`);
}

/** mergepatch.ErrBadArgType prints reflect kinds: map, slice, string, float64, bool. */
function errBadArgType(expected: 'map' | 'slice', actual: unknown): SmpError {
  const actualKind =
    actual === null || actual === undefined ? 'invalid' : Array.isArray(actual) ? 'slice' : isJsonObject(actual) ? 'map' : goKind(actual);
  return new SmpError(`expected a ${expected}, but received a ${actualKind}`);
}

function goKind(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return '[]interface {}';
  if (isJsonObject(value)) return 'map[string]interface {}';
  if (typeof value === 'number') return 'float64';
  return typeof value === 'boolean' ? 'bool' : 'string';
}

type Kind = 'map' | 'slice' | 'scalar';
function kindOf(value: unknown): Kind {
  if (Array.isArray(value)) return 'slice';
  return isJsonObject(value) ? 'map' : 'scalar';
}

/** reflect.TypeOf equality for decoded JSON values. */
function sameType(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b;
  return goKind(a) === goKind(b);
}

/**
 * Applies `patch` to a copy of `obj` as kube-apiserver does for a strategic merge patch.
 * Custom resources (kinds outside the built-in API groups) are refused like the real server, whose
 * CRD handler does not list strategic merge patch among its patch types
 * (apiextensions-apiserver customresource_handler.go -> negotiation.NewUnsupportedMediaTypeError).
 */
export function applyStrategicMergePatch<T extends object>(obj: T, patch: unknown, gvk: GroupVersionKind): T {
  const schema = rootSchema(gvk);
  if (!schema) {
    throw new PatchError(
      'UnsupportedMediaType',
      415,
      'the body of the request was in an unknown format - accepted media types include: ' +
        'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  }
  if (patch === null) return cloneJson(obj);
  if (!isJsonObject(patch)) {
    throw badRequest(
      `json: cannot unmarshal ${Array.isArray(patch) ? 'array' : typeof patch} into Go value of type map[string]interface {}`,
    );
  }
  try {
    return mergeMap(cloneJson(obj) as unknown as JsonObject, cloneJson(patch), schema) as unknown as T;
  } catch (err: unknown) {
    if (!(err instanceof SmpError)) throw err;
    switch (err.message) {
      case ErrBadPatchFormatForPrimitiveList:
      case ErrBadPatchFormatForRetainKeys:
      case ErrBadPatchFormatForSetElementOrderList:
        throw badRequest(err.message);
      case ErrNoListOfLists:
        throw rejectedRequest(err.message);
      default:
        throw unknownError(err.message);
    }
  }
}

function mergeMap(original: JsonObject, patch: JsonObject, schema: StructSchema | undefined): JsonObject {
  if (directiveMarker in patch) return handleDirectiveInMergeMap(patch[directiveMarker], patch);

  applyRetainKeysDirective(original, patch);
  mergePatchIntoOriginal(original, patch, schema);

  for (const [patchKey, patchV] of Object.entries(patch)) {
    let k = patchKey;
    let isDeleteList = false;
    if (k.startsWith(deleteFromPrimitiveListDirectivePrefix)) {
      k = extractKey(k, deleteFromPrimitiveListDirectivePrefix);
      isDeleteList = true;
    }

    // IgnoreUnmatchedNulls: null deletes the key and is never kept.
    if (patchV === null) {
      delete original[k];
      continue;
    }

    if (!(k in original) || !sameType(original[k], patchV)) {
      if (!isDeleteList) {
        discardNullValuesFromPatch(patchV);
        const [value, keep] = removeDirectives(patchV);
        if (keep) original[k] = value;
        else delete original[k];
      }
      continue;
    }

    const field = fieldOf(schema, k);
    const originalV = original[k];
    if (isJsonObject(originalV) && isJsonObject(patchV)) {
      // mergeMapHandler: no k8s.io/api field uses patchStrategy "replace" on a struct, so always merge.
      original[k] = mergeMap(originalV, patchV, structOf(field));
    } else if (Array.isArray(originalV) && Array.isArray(patchV)) {
      original[k] = mergeSliceHandler(originalV, patchV, field, isDeleteList);
    } else {
      const [value, keep] = removeDirectives(patchV);
      if (keep) original[k] = value;
      else delete original[k];
    }
  }
  return original;
}

function handleDirectiveInMergeMap(directive: JsonValue, patch: JsonObject): JsonObject {
  if (directive === replaceDirective) {
    delete patch[directiveMarker];
    return patch;
  }
  if (directive === deleteDirective) return {};
  throw errBadPatchType(directive, patch);
}

function removeDirectives(obj: JsonValue): [JsonValue, boolean] {
  if (isJsonObject(obj)) {
    if (directiveMarker in obj) return [null, false];
    for (const [k, v] of Object.entries(obj)) {
      const [value, keep] = removeDirectives(v);
      if (keep) obj[k] = value;
      else delete obj[k];
    }
    return [obj, true];
  }
  if (Array.isArray(obj)) {
    const res: JsonValue[] = [];
    for (const v of obj) {
      const [value, keep] = removeDirectives(v);
      if (keep) res.push(value);
    }
    return [res, true];
  }
  return [obj, true];
}

function discardNullValuesFromPatch(patchV: JsonValue): void {
  if (isJsonObject(patchV)) {
    for (const [k, v] of Object.entries(patchV)) {
      if (v === null) delete patchV[k];
      else discardNullValuesFromPatch(v);
    }
  } else if (Array.isArray(patchV)) {
    patchV.forEach(discardNullValuesFromPatch);
  }
}

function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === deleteFromPrimitiveListDirectivePrefix) throw new SmpError(ErrBadPatchFormatForPrimitiveList);
    throw new SmpError(ErrBadPatchFormatForSetElementOrderList);
  }
  return s.slice(slash + 1);
}

function applyRetainKeysDirective(original: JsonObject, patch: JsonObject): void {
  if (!(retainKeysDirective in patch)) return;
  const retainKeys = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (!Array.isArray(retainKeys)) throw new SmpError(ErrBadPatchFormatForRetainKeys);
  const retained = new Set<JsonValue>(retainKeys);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(deleteFromPrimitiveListDirectivePrefix) || k.startsWith(setElementOrderDirectivePrefix)) {
      continue;
    }
    if (!retained.has(k)) throw new SmpError(ErrBadPatchFormatForRetainKeys);
  }
  for (const k of Object.keys(original)) {
    if (!retained.has(k)) delete original[k];
  }
}

function mergeSliceHandler(original: JsonValue[], patch: JsonValue[], field: FieldSchema | undefined, isDeleteList: boolean): JsonValue[] {
  if (field?.merge || isDeleteList) return mergeSlice(original, patch, field, isDeleteList);
  return patch;
}

function mergeSlice(original: JsonValue[], patch: JsonValue[], field: FieldSchema | undefined, isDeleteList: boolean): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  const mergeKey = field?.mergeKey ?? '';
  let merged: JsonValue[];
  if (kind !== 'map') {
    if (isDeleteList) return deleteFromSlice(original, patch);
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (mergeKey === '') throw new SmpError(`cannot merge lists without merge key for ${field?.type ?? ''}`);
    [original, patch] = mergeSliceWithSpecialElements(original, patch, mergeKey);
    // A copy: Go's append never lengthens the caller's `original`, which stays the server order below.
    merged = mergeSliceWithoutSpecialElements([...original], patch, mergeKey, structOf(field));
  }
  const [patchItems, serverOnlyItems] =
    mergeKey === '' ? partitionPrimitivesByPresentInList(merged, patch) : partitionMapsByPresentInList(merged, patch, mergeKey);
  return normalizeElementOrder(patchItems, serverOnlyItems, patch, original, mergeKey, kind);
}

/** Kind of the items of the given slices, which must agree and not be lists. */
function sliceElementKind(...slices: JsonValue[][]): Kind {
  let prev: JsonValue | undefined;
  for (const slice of slices) {
    for (const v of slice) {
      if (prev === undefined) {
        prev = v;
        if (Array.isArray(v)) throw new SmpError(ErrNoListOfLists);
      } else if (!sameType(prev, v)) {
        throw new SmpError(`list element types are not identical: ${goFormat(slices)}`);
      }
    }
  }
  if (prev === undefined) throw new SmpError('no elements in any of the given slices');
  return kindOf(prev);
}

/** The Go code's in-place deduplication, which moves the last item into each duplicate's slot. */
function deduplicateScalars(s: JsonValue[]): JsonValue[] {
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length];
        s = s.slice(0, length);
        length--;
        j--;
      }
    }
  }
  return s;
}

function deleteFromSlice(current: JsonValue[], toDelete: JsonValue[]): JsonValue[] {
  const deleted = new Set(toDelete);
  return current.filter((v) => !deleted.has(v));
}

function mergeSliceWithSpecialElements(original: JsonValue[], patch: JsonValue[], mergeKey: string): [JsonValue[], JsonValue[]] {
  const withoutSpecial: JsonValue[] = [];
  let replace = false;
  for (const v of patch) {
    const typedV = v as JsonObject;
    if (!(directiveMarker in typedV)) {
      withoutSpecial.push(v);
      continue;
    }
    const patchType = typedV[directiveMarker];
    if (patchType === deleteDirective) {
      if (!(mergeKey in typedV)) throw errNoMergeKey(typedV, mergeKey);
      const mergeValue = typedV[mergeKey];
      original = original.filter((item) => !(isJsonObject(item) && item[mergeKey] === mergeValue));
    } else if (patchType === replaceDirective) {
      replace = true;
    } else if (patchType === mergeDirective) {
      throw new SmpError('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(patchType, typedV);
    }
  }
  return replace ? [withoutSpecial, []] : [original, withoutSpecial];
}

function mergeSliceWithoutSpecialElements(
  original: JsonValue[],
  patch: JsonValue[],
  mergeKey: string,
  itemSchema: StructSchema | undefined,
): JsonValue[] {
  for (const v of patch) {
    const typedV = v as JsonObject;
    if (!(mergeKey in typedV)) throw errNoMergeKey(typedV, mergeKey);
    const index = findMapInSliceBasedOnKeyValue(original, mergeKey, typedV[mergeKey]);
    if (index >= 0) original[index] = mergeMap(original[index] as JsonObject, typedV, itemSchema);
    else original.push(v);
  }
  return original;
}

function findMapInSliceBasedOnKeyValue(list: JsonValue[], key: string, value: JsonValue): number {
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!isJsonObject(item)) throw new SmpError(`value for key ${i} is not a map`);
    if (key in item && item[key] === value) return i;
  }
  return -1;
}

function partitionPrimitivesByPresentInList(original: JsonValue[], partitionBy: JsonValue[]): [JsonValue[], JsonValue[]] {
  const inPatch = new Set(partitionBy);
  return [original.filter((v) => inPatch.has(v)), original.filter((v) => !inPatch.has(v))];
}

function partitionMapsByPresentInList(original: JsonValue[], partitionBy: JsonValue[], mergeKey: string): [JsonValue[], JsonValue[]] {
  const patch: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const v of original) {
    if (!isJsonObject(v)) throw errBadArgType('map', v);
    if (!(mergeKey in v)) throw errNoMergeKey(v, mergeKey);
    if (findMapInSliceBasedOnKeyValue(partitionBy, mergeKey, v[mergeKey]) >= 0) patch.push(v);
    else serverOnly.push(v);
  }
  return [patch, serverOnly];
}

function itemValue(item: JsonValue, mergeKey: string, kind: Kind): JsonValue | undefined {
  if (kind !== 'map') return item;
  return isJsonObject(item) ? item[mergeKey] : undefined;
}

function indexIn(list: JsonValue[], value: JsonValue, mergeKey: string, kind: Kind): number {
  const wanted = itemValue(value, mergeKey, kind);
  return list.findIndex((v) => itemValue(v, mergeKey, kind) === wanted);
}

function normalizeElementOrder(
  patch: JsonValue[],
  serverOnly: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  mergeKey: string,
  kind: Kind,
): JsonValue[] {
  const sortedPatch = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const sortedServerOnly = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(sortedServerOnly, sortedPatch, serverOrder, mergeKey, kind);
}

function normalizeSliceOrder(toSort: JsonValue[], order: JsonValue[], mergeKey: string, kind: Kind): JsonValue[] {
  let toDelete: JsonValue[] = [];
  if (kind === 'map') {
    for (const list of [toSort, order]) {
      for (const item of list) {
        if (!isJsonObject(item)) throw errBadArgType('map', item);
        if (!(mergeKey in item)) throw errNoMergeKey(item, mergeKey);
      }
    }
    toDelete = toSort.filter((v) => (v as JsonObject)[directiveMarker] === deleteDirective);
    toSort = toSort.filter((v) => (v as JsonObject)[directiveMarker] !== deleteDirective);
  }
  // Go's sort.SliceStable by position in `order`; every item is found there in the cases that reach here.
  const sorted = [...toSort].sort((a, b) => {
    const ia = indexIn(order, a, mergeKey, kind);
    const ib = indexIn(order, b, mergeKey, kind);
    return ia >= 0 && ib >= 0 ? ia - ib : 0;
  });
  return [...sorted, ...toDelete];
}

/** Interleaves server-only items (left) into patch items (right), keeping the live order where known. */
function mergeSortedSlice(left: JsonValue[], right: JsonValue[], serverOrder: JsonValue[], mergeKey: string, kind: Kind): JsonValue[] {
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) {
      out.push(right[j++]);
    } else if (j >= right.length) {
      out.push(left[i++]);
    } else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, schema: StructSchema | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrderDirectivePrefix)) continue;
    const setElementOrder = patch[key];
    delete patch[key];
    if (!Array.isArray(setElementOrder)) throw errBadArgType('slice', setElementOrder);
    const originalKey = extractKey(key, setElementOrderDirectivePrefix);
    const foundOriginal = originalKey in original;
    const foundPatch = originalKey in patch;
    const originalList = original[originalKey];
    const patchList = patch[originalKey];
    if (foundOriginal && !Array.isArray(originalList)) throw errBadArgType('slice', originalList);
    if (foundPatch && !Array.isArray(patchList)) throw errBadArgType('slice', patchList);
    const originalFieldValue = (foundOriginal ? originalList : []) as JsonValue[];
    const patchFieldValue = (foundPatch ? patchList : []) as JsonValue[];
    const field = fieldOf(schema, originalKey);
    const mergeKey = field?.mergeKey ?? '';
    validatePatchWithSetOrderList(patchFieldValue, setElementOrder, mergeKey);

    let merged: JsonValue[];
    if (foundOriginal && !foundPatch) merged = originalFieldValue;
    else if (!foundOriginal && foundPatch) merged = removeDirectives(patchFieldValue)[0] as JsonValue[];
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalFieldValue, patchFieldValue, field, false);
    else continue;

    const [patchItems, serverOnlyItems] =
      mergeKey === ''
        ? partitionPrimitivesByPresentInList(merged, setElementOrder)
        : partitionMapsByPresentInList(merged, setElementOrder, mergeKey);
    const kind = sliceElementKind(originalFieldValue, patchFieldValue);
    original[originalKey] = normalizeElementOrder(patchItems, serverOnlyItems, setElementOrder, originalFieldValue, mergeKey, kind);
    delete patch[originalKey];
  }
}

function validatePatchWithSetOrderList(patchList: JsonValue[], setOrderList: JsonValue[], mergeKey: string): void {
  if (setOrderList.length === 0 || patchList.length === 0) return;
  let nonDeleteList = patchList;
  if (mergeKey !== '') {
    nonDeleteList = patchList.filter((v) => {
      if (!isJsonObject(v)) throw errBadArgType('map', v);
      return v[directiveMarker] !== deleteDirective;
    });
  }
  let patchIndex = 0;
  let setOrderIndex = 0;
  while (patchIndex < nonDeleteList.length && setOrderIndex < setOrderList.length) {
    const item = nonDeleteList[patchIndex];
    if (isJsonObject(item) && directiveMarker in item) {
      patchIndex++;
      continue;
    }
    if (mergeKeyValueEqual(item, setOrderList[setOrderIndex], mergeKey)) patchIndex++;
    setOrderIndex++;
  }
  if (patchIndex < nonDeleteList.length && setOrderIndex >= setOrderList.length) {
    throw new SmpError(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${setElementOrderDirectivePrefix} list:\n${goFormat(setOrderList)}\n`,
    );
  }
}

function mergeKeyValueEqual(left: JsonValue, right: JsonValue, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isJsonObject(left)) throw errBadArgType('map', left);
  if (!isJsonObject(right)) throw errBadArgType('map', right);
  if (!(mergeKey in left)) throw errNoMergeKey(left, mergeKey);
  if (!(mergeKey in right)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}
