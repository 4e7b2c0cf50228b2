// RFC 7386 JSON merge patch (application/merge-patch+json) as evanphx/json-patch v4 MergePatch does it
// for the kube-apiserver: null deletes a key, objects merge recursively, anything else (arrays too) replaces.
import { badRequest } from './patch-error';
import { cloneJson, isJsonObject, type JsonObject, type JsonValue } from './json-value';

function mergeInto(target: JsonObject, patch: JsonObject): JsonObject {
  for (const [key, patchValue] of Object.entries(patch)) {
    if (patchValue === null) {
      delete target[key];
    } else if (isJsonObject(patchValue)) {
      const current = target[key];
      target[key] = mergeInto(isJsonObject(current) ? current : {}, patchValue);
    } else {
      target[key] = pruneNulls(cloneJson(patchValue));
    }
  }
  return target;
}

/** evanphx pruneNulls: a replacing value loses its null-valued keys (null array items stay). */
function pruneNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(pruneNulls);
  if (isJsonObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (item === null) delete value[key];
      else value[key] = pruneNulls(item);
    }
  }
  return value;
}

/**
 * Applies a merge patch to a copy of `obj`. A `null` patch is evanphx's ErrBadJSONPatch, which the
 * handler answers with 400 "Invalid JSON Patch". A non-object patch (array, scalar) replaces the
 * document wholesale, as RFC 7386 says; the server then fails to decode it as the resource.
 */
export function applyMergePatch<T extends object>(obj: T, patch: unknown): T | JsonValue {
  if (patch === null || patch === undefined) throw badRequest('Invalid JSON Patch');
  if (!isJsonObject(patch)) return pruneNulls(cloneJson(patch as JsonValue));
  return mergeInto(cloneJson(obj) as unknown as JsonObject, patch) as unknown as T;
}
