import { nativeBindingPlacement, nativeRoleRefOf, nativeSubjectOf } from '@cube/auth';
import { RoleBinding } from '@cube/contracts';
import { clusterRoleObjects, DesiredObject, MANAGED_BY, roleBindingName } from './namespace-objects';

/**
 * The cluster-wide objects every registered member cluster holds, whether or not it has namespaces:
 * the `cube:<role>` ClusterRoles and one ClusterRoleBinding per platform-scope binding
 * (nativeBindingPlacement; issue #7), so a platform admin is allowed natively in every member.
 */
export const CLUSTER_ROLE_BINDING_KEY_PREFIX = 'clusterrolebinding.';
export const clusterRoleBindingKey = (binding: Pick<RoleBinding, 'id'>) => `${CLUSTER_ROLE_BINDING_KEY_PREFIX}${roleBindingName(binding)}`;

export const isPlatformBinding = (binding: RoleBinding) => nativeBindingPlacement(binding.scope).kind === 'ClusterRoleBinding';

export function clusterRoleBindingManifest(binding: RoleBinding): DesiredObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: {
      name: roleBindingName(binding),
      labels: { ...MANAGED_BY, 'cube.io/binding': binding.id, 'cube.io/role': binding.role },
    },
    roleRef: nativeRoleRefOf(binding),
    subjects: [nativeSubjectOf(binding.subject)],
  };
}

/** The ClusterRoles and the ClusterRoleBindings of the given bindings' platform-scope ones. */
export function clusterWideObjects(bindings: RoleBinding[]): Map<string, DesiredObject> {
  const objects = clusterRoleObjects();
  for (const binding of bindings)
    if (isPlatformBinding(binding)) objects.set(clusterRoleBindingKey(binding), clusterRoleBindingManifest(binding));
  return objects;
}
