// PATCH algorithms of the Kubernetes API test server: pure functions over JSON objects, no I/O.
export {
  PatchError,
  type PatchErrorCause,
  type PatchErrorReason,
} from './patch-error';
export { applyJsonPatch } from './json-patch';
export { applyMergePatch } from './merge-patch';
export { applyStrategicMergePatch } from './strategic-merge-patch';
export {
  applyServerSideApply,
  recordUpdateManager,
  type ManagedFieldsEntry,
  type ServerSideApplyOptions,
  type ServerSideApplyResult,
  type UpdateManagerOptions,
} from './server-side-apply';
export type { GroupVersionKind } from './patch-schema';
export type { JsonObject, JsonValue } from './json-value';
