import { clusterRoleManifest, nativeBindingPlacement, nativeRoleRefOf, nativeSubjectOf, PROJECT_LABEL, TENANT_LABEL } from '@cube/auth';
import { Namespace, ROLE_NAMES, RoleBinding } from '@cube/contracts';

/**
 * The Kubernetes objects a Cube namespace needs in its member cluster, keyed as in the cluster's
 * desired state bucket (one key per object; keys follow NATS subject rules, `.` between levels).
 */
export type DesiredObject = Record<string, unknown> & { apiVersion: string; kind: string };

/** `cube.io/managed-by` is what Warden prunes by (it adds it when applying too); the other is the common Kubernetes label. */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cube', 'cube.io/managed-by': 'cube' };

export const namespaceKey = (namespace: string) => `namespace.${namespace}`;
export const resourceQuotaKey = (namespace: string) => `resourcequota.${namespace}.cube-quota`;
export const roleBindingName = (binding: Pick<RoleBinding, 'id'>) => `cube-${binding.id}`;
export const roleBindingKey = (namespace: string, binding: Pick<RoleBinding, 'id'>) =>
  `rolebinding.${namespace}.${roleBindingName(binding)}`;
export const clusterRoleKey = (role: string) => `clusterrole.cube-${role}`;

/** Whether a tenant or project binding reaches this namespace (nativeBindingPlacement's label selector). */
export function bindingReaches(binding: RoleBinding, namespace: Pick<Namespace, 'tenant' | 'project'>): boolean {
  const placement = nativeBindingPlacement(binding.scope);
  if (placement.kind !== 'RoleBinding') return false;
  const labels: Record<string, string> = { [TENANT_LABEL]: namespace.tenant, [PROJECT_LABEL]: namespace.project };
  return Object.entries(placement.namespaceSelector).every(([key, value]) => labels[key] === value);
}

export function namespaceManifest(namespace: Namespace): DesiredObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace.name, labels: { ...MANAGED_BY, [TENANT_LABEL]: namespace.tenant, [PROJECT_LABEL]: namespace.project } },
  };
}

/** `cube-quota`: the namespace's share of its tenant's quota, enforced by Kubernetes' quota admission. */
export function resourceQuotaManifest(namespace: Namespace): DesiredObject | null {
  if (!namespace.quota) return null;
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'cube-quota', namespace: namespace.name, labels: { ...MANAGED_BY } },
    spec: { hard: { ...namespace.quota.hard } },
  };
}

export function roleBindingManifest(namespace: Pick<Namespace, 'name'>, binding: RoleBinding): DesiredObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: {
      name: roleBindingName(binding),
      namespace: namespace.name,
      labels: { ...MANAGED_BY, 'cube.io/binding': binding.id, 'cube.io/role': binding.role },
    },
    roleRef: nativeRoleRefOf(binding),
    subjects: [nativeSubjectOf(binding.subject)],
  };
}

/** Every object of a namespace: the Namespace, its ResourceQuota (when it has a quota), its RoleBindings. */
export function namespaceObjects(namespace: Namespace, bindings: RoleBinding[]): Map<string, DesiredObject> {
  const objects = new Map<string, DesiredObject>([[namespaceKey(namespace.name), namespaceManifest(namespace)]]);
  const quota = resourceQuotaManifest(namespace);
  if (quota) objects.set(resourceQuotaKey(namespace.name), quota);
  for (const binding of bindings) {
    if (bindingReaches(binding, namespace)) objects.set(roleBindingKey(namespace.name, binding), roleBindingManifest(namespace, binding));
  }
  return objects;
}

/** The `cube:<role>` ClusterRoles the RoleBindings refer to, the same in every member cluster. */
export function clusterRoleObjects(): Map<string, DesiredObject> {
  return new Map(ROLE_NAMES.map((role) => [clusterRoleKey(role), clusterRoleManifest(role) as unknown as DesiredObject]));
}
