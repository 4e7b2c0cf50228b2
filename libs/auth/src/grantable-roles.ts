/**
 * The pure part of the no-escalation rule (grant-policy.ts): which roles a caller may grant at a
 * scope. It imports nothing, so the web console uses it as is (`@cube/auth/grantable-roles`) to offer
 * only the roles the identity service would accept.
 */
/** A binding scope as contracts' BindingScope has it, or as the REST API spells it (optional names). */
export interface GrantScope {
  kind: 'platform' | 'tenant' | 'project';
  tenant?: string;
  project?: string;
}

/** A role as `GET /api/v1/roles` describes it (BUILT_IN_ROLES on the server). */
export interface GrantableRole {
  name: string;
  rank: number;
  scopes: readonly string[];
}

export interface HeldBinding {
  role: string;
  scope: GrantScope;
}

export const ADMIN_ROLE_NAMES: readonly string[] = ['platform-admin', 'tenant-admin', 'project-admin'];

/** Whether a binding at `held` reaches `target`: platform covers all, a tenant covers its projects. */
export function scopeCovers(held: GrantScope, target: GrantScope): boolean {
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
 * The roles the holder of `held` may grant at `scope`, highest first: only an admin role covering
 * the scope grants, never above its own rank; platform scope needs platform-admin; a binding at a
 * scope its role does not allow confers nothing; and the role granted must be bindable at that scope.
 */
export function grantableRoles<R extends GrantableRole>(roles: readonly R[], held: readonly HeldBinding[], scope: GrantScope): R[] {
  const byName = new Map(roles.map((role) => [role.name, role]));
  const coveringAdmin = held.filter(
    (binding) =>
      ADMIN_ROLE_NAMES.includes(binding.role) &&
      (byName.get(binding.role)?.scopes.includes(binding.scope.kind) ?? false) &&
      scopeCovers(binding.scope, scope),
  );
  if (coveringAdmin.length === 0) return [];
  if (scope.kind === 'platform' && !coveringAdmin.some((binding) => binding.role === 'platform-admin')) return [];
  const best = Math.max(...coveringAdmin.map((binding) => byName.get(binding.role)?.rank ?? 0));
  return roles.filter((role) => role.rank <= best && role.scopes.includes(scope.kind)).sort((a, b) => b.rank - a.rank);
}
