import type { components } from '../api/schema.gen';

type Role = components['schemas']['RoleView'];
type Binding = components['schemas']['RoleBindingView'];
type Scope = components['schemas']['BindingScopeBody'];

const ADMIN_ROLES = new Set(['platform-admin', 'tenant-admin', 'project-admin']);

/** Whether a binding at `held` reaches `target`: platform covers all, a tenant covers its projects. */
export function scopeCovers(held: Scope, target: Scope): boolean {
  switch (held.kind) {
    case 'platform':
      return true;
    case 'tenant':
      return target.kind !== 'platform' && target.tenant === held.tenant;
    case 'project':
      return target.kind === 'project' && target.tenant === held.tenant && target.project === held.project;
  }
}

/**
 * The roles the caller may grant at `scope`, so the form offers nothing the API would refuse. Mirrors
 * the identity service's no-escalation rule (libs/auth grant-policy.ts): only an admin role covering
 * the scope grants, never above its own rank; platform scope needs platform-admin; and the role must
 * be bindable at that scope kind. `myBindings` are /me's bindings (the caller's and their groups').
 */
export function grantableRoles(roles: readonly Role[], myBindings: readonly Binding[], scope: Scope): Role[] {
  const rankOf = new Map(roles.map((role) => [role.name, role]));
  const allowedAt = (binding: Binding) => rankOf.get(binding.role)?.scopes.includes(binding.scope.kind) ?? false;
  const coveringAdmin = myBindings.filter(
    (binding) => allowedAt(binding) && ADMIN_ROLES.has(binding.role) && scopeCovers(binding.scope, scope),
  );
  if (scope.kind === 'platform' && !coveringAdmin.some((binding) => binding.role === 'platform-admin')) return [];
  if (coveringAdmin.length === 0) return [];
  const best = Math.max(...coveringAdmin.map((binding) => rankOf.get(binding.role)?.rank ?? 0));
  return roles.filter((role) => role.rank <= best && role.scopes.includes(scope.kind)).sort((a, b) => b.rank - a.rank);
}
