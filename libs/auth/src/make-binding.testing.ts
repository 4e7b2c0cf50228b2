import type { BindingScope, BindingSubject, RoleBinding, RoleName } from '@cube/contracts';

/** Test factory (not exported from the lib): a stored binding, stating only what a test cares about. */
export function makeBinding(role: RoleName, scope: BindingScope, subject: BindingSubject | string = 'alice'): RoleBinding {
  return {
    id: `rb-${role}-${scope.kind}-${Math.random().toString(36).slice(2, 8)}`,
    subject: typeof subject === 'string' ? { kind: 'User', name: subject } : subject,
    role,
    scope,
    createdAt: '2026-01-01T00:00:00Z',
    createdBy: 'root',
    origin: 'manual',
    version: 1,
  };
}

export const PLATFORM: BindingScope = { kind: 'platform' };
export const tenant = (name: string): BindingScope => ({
  kind: 'tenant',
  tenant: name,
});
export const project = (tenantName: string, projectName: string): BindingScope => ({
  kind: 'project',
  tenant: tenantName,
  project: projectName,
});
