import type {
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1Namespace,
  V1PolicyRule,
  V1ResourceRequirements,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import { componentLabels } from './component';

/** Small typed builders the components share; each returns one plain object. */
export function namespaceOf(name: string, component: string, version: string): V1Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: componentLabels(component, component, version) } };
}

export function serviceAccount(namespace: string, name: string, labels: Record<string, string>): V1ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } };
}

/** A ClusterRole and its binding to one service account: the read access a collector needs. */
export function clusterReader(
  name: string,
  account: { namespace: string; name: string },
  rules: V1PolicyRule[],
  labels: Record<string, string>,
): [V1ClusterRole, V1ClusterRoleBinding] {
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: account.name, namespace: account.namespace }],
    },
  ];
}

/** Values' `{ requests, limits }` as the container's resources (only what is set). */
export function resourcesOf(values: unknown): V1ResourceRequirements {
  const given = (values ?? {}) as { requests?: Record<string, string>; limits?: Record<string, string> };
  return { ...(given.requests ? { requests: given.requests } : {}), ...(given.limits ? { limits: given.limits } : {}) };
}
