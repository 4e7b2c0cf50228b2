import type { BindingScope, BindingSubject, RoleBinding } from '@cube/contracts';
import { clusterRoleName } from './roles';

/**
 * How a Cube binding lands in a member cluster (ARCHITECTURE.md "Identity and access"): a
 * platform binding becomes one ClusterRoleBinding; a tenant or project binding becomes a
 * RoleBinding to the same `cube:<role>` ClusterRole in every namespace labelled with that
 * tenant (and project), the way KubeCube binds tenant and project roles per namespace.
 */
export const TENANT_LABEL = 'cube.io/tenant';
export const PROJECT_LABEL = 'cube.io/project';

export type NativeBindingPlacement = { kind: 'ClusterRoleBinding' } | { kind: 'RoleBinding'; namespaceSelector: Record<string, string> };

export function nativeBindingPlacement(scope: BindingScope): NativeBindingPlacement {
  switch (scope.kind) {
    case 'platform':
      return { kind: 'ClusterRoleBinding' };
    case 'tenant':
      return {
        kind: 'RoleBinding',
        namespaceSelector: { [TENANT_LABEL]: scope.tenant },
      };
    case 'project':
      return {
        kind: 'RoleBinding',
        namespaceSelector: {
          [TENANT_LABEL]: scope.tenant,
          [PROJECT_LABEL]: scope.project,
        },
      };
  }
}

export interface NativeRbacSubject {
  kind: 'User' | 'Group';
  apiGroup: 'rbac.authorization.k8s.io';
  name: string;
}

/** The native proxy impersonates the Cube user name and groups, so subjects map one to one. */
export function nativeSubjectOf(subject: BindingSubject): NativeRbacSubject {
  return {
    kind: subject.kind,
    apiGroup: 'rbac.authorization.k8s.io',
    name: subject.name,
  };
}

/** The `roleRef` of every native binding made for a Cube binding. */
export function nativeRoleRefOf(binding: Pick<RoleBinding, 'role'>): {
  apiGroup: 'rbac.authorization.k8s.io';
  kind: 'ClusterRole';
  name: string;
} {
  return {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: clusterRoleName(binding.role),
  };
}
