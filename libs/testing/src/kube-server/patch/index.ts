// PATCH algorithms of the Kubernetes API test server: pure functions over JSON objects, no I/O.
// How kube-apiserver uses them, by request Content-Type (k8s.io/apiserver pkg/endpoints/handlers/patch.go):
//   application/json-patch+json            applyJsonPatch, then recordUpdateManager
//   application/merge-patch+json           applyMergePatch, then recordUpdateManager
//   application/strategic-merge-patch+json applyStrategicMergePatch, then recordUpdateManager
//   application/apply-patch+yaml           YAML-decode the body, then applyServerSideApply
// POST and PUT call recordUpdateManager too. The manager is the `fieldManager` query parameter, else the
// User-Agent up to its first "/" (managerOrUserAgent). A PatchError becomes a Status body: status
// Failure, its message and code, its reason (omitted for 'Unknown'), details.causes when it has causes.
export { PatchError, type PatchErrorCause, type PatchErrorReason } from './patch-error';
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
