import { KubernetesObject } from '@kubernetes/client-node';

/** Marks what Cube desires in a member cluster; resync deletes objects with it that are no longer desired. */
export const MANAGED_BY_LABEL = 'cube.io/managed-by';
export const MANAGED_BY_VALUE = 'cube';

/**
 * The kinds desired state usually holds, in apply order: namespaces before what lives in them,
 * roles before bindings, configuration before the workloads that mount it (as `kubectl apply -f`
 * of a Helm chart orders them). Optional components (hotplug) bring the workload kinds; a kind not
 * listed here is applied after these, and pruned while some desired object still has that kind.
 */
export const MANAGED_KINDS: readonly { apiVersion: string; kind: string; namespaced: boolean }[] = [
  { apiVersion: 'v1', kind: 'Namespace', namespaced: false },
  { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', namespaced: false },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespaced: false },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespaced: true },
  { apiVersion: 'v1', kind: 'ResourceQuota', namespaced: true },
  { apiVersion: 'v1', kind: 'LimitRange', namespaced: true },
  { apiVersion: 'v1', kind: 'ServiceAccount', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', namespaced: false },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespaced: true },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespaced: true },
  { apiVersion: 'v1', kind: 'ConfigMap', namespaced: true },
  { apiVersion: 'v1', kind: 'Secret', namespaced: true },
  { apiVersion: 'v1', kind: 'Service', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', namespaced: true },
];

/** Where an object lives: enough to delete it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export const refKey = (ref: ObjectRef) => `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;

export function refOf(object: KubernetesObject): ObjectRef | null {
  if (!object.apiVersion || !object.kind || !object.metadata?.name) return null;
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

export function applyOrder(object: KubernetesObject): number {
  const index = MANAGED_KINDS.findIndex((managed) => managed.kind === object.kind);
  return index < 0 ? MANAGED_KINDS.length : index;
}

/** The object as Warden applies it: labelled as Cube's, so a later resync recognises it. */
export function asManaged(object: KubernetesObject): KubernetesObject {
  return { ...object, metadata: { ...object.metadata, labels: { ...object.metadata?.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } } };
}

export function isKubernetesObject(value: unknown): value is KubernetesObject {
  const candidate = value as KubernetesObject | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.apiVersion === 'string' &&
    typeof candidate.kind === 'string' &&
    typeof candidate.metadata?.name === 'string'
  );
}

/**
 * Whether `live` holds every field `desired` sets, with the same value: objects field by field, lists
 * element by element (same length; the API server may add defaults inside elements). Fields the
 * server adds (status, uid, other managers' labels) do not matter.
 */
export function holds(live: unknown, desired: unknown): boolean {
  if (desired === null || typeof desired !== 'object') return live === desired;
  if (Array.isArray(desired)) {
    return Array.isArray(live) && live.length === desired.length && desired.every((item, index) => holds(live[index], item));
  }
  if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
  const object = live as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(([field, value]) => holds(object[field], value));
}
