// RFC 6902 JSON patch (application/json-patch+json) with the kube-apiserver's error behaviour
// (k8s.io/apiserver pkg/endpoints/handlers/patch.go, jsonPatcher.applyJSPatch with evanphx/json-patch v4).
import { applyPatch, type Operation } from 'fast-json-patch';
import { badRequest, rejectedRequest } from './patch-error';
import { cloneJson, isJsonObject, type JsonObject } from './json-value';

const RFC_6902_OPERATIONS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** patch.go maxJSONPatchOperations: more operations are refused with 413. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

function goJsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'object' : typeof value;
}

/**
 * Applies `ops` to a copy of `obj`.
 * - A body that is not a list of objects fails jsonpatch.DecodePatch (Go's json.Unmarshal into
 *   `jsonpatch.Patch`): 400 BadRequest with encoding/json's message.
 * - Any operation that does not apply (missing path, failed test, unknown op, missing value) makes
 *   Patch.Apply fail, which the handler turns into a 422 whose message is always
 *   "the server rejected our request due to an error in our request".
 */
export function applyJsonPatch<T extends object>(obj: T, ops: unknown): T {
  if (!Array.isArray(ops)) {
    // `null` unmarshals into a nil Patch without error and applies as a no-op.
    if (ops === null) return cloneJson(obj);
    throw badRequest(`json: cannot unmarshal ${goJsonKind(ops)} into Go value of type jsonpatch.Patch`);
  }
  for (const op of ops) {
    if (op !== null && !isJsonObject(op)) {
      throw badRequest(`json: cannot unmarshal ${goJsonKind(op)} into Go value of type jsonpatch.Operation`);
    }
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    // errors.NewRequestEntityTooLargeError is 413 with reason RequestEntityTooLarge; the server maps it.
    throw badRequest(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  // evanphx/json-patch knows only the RFC operations; fast-json-patch would also run its own `_get`.
  const unknown = ops.find((op) => isJsonObject(op) && !RFC_6902_OPERATIONS.has(String(op['op'])));
  if (unknown) throw rejectedRequest(`Unexpected kind: ${String((unknown as Record<string, unknown>)['op'])}`);
  try {
    const result = applyPatch(cloneJson(obj) as JsonObject, ops as Operation[], true, true).newDocument;
    return result as unknown as T;
  } catch (err: unknown) {
    throw rejectedRequest(err instanceof Error ? err.message : String(err));
  }
}
