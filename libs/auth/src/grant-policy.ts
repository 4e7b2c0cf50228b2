import { CubeError, type BindingScope, type BindingSubject, type RoleBinding, type RoleName } from '@cube/contracts';
import { bindingsOf, type Actor } from './ability.factory';
import { scopeCovers } from './grantable-roles';
import { BUILT_IN_ROLES, roleAllowsScope } from './roles';

/**
 * Who may create or delete a role binding: the no-escalation rule of the identity service.
 * - only a platform admin touches platform-scope bindings;
 * - below that, the granter needs an admin role whose scope covers the binding's scope
 *   (tenant-admin of that tenant, project-admin of that project; a platform admin covers all);
 *   members and viewers grant nothing;
 * - the role granted may not rank above the granter's best admin role covering that scope
 *   (granting one's own role is allowed, as Kubernetes lets you bind rules you hold);
 * - only then, a role bound at a scope it does not allow is `UNPROCESSABLE`. Authorization comes
 *   first so a refused caller learns nothing about what would have been valid.
 */

export interface Granter extends Actor {
  /** The granter's bindings; bindings of other subjects are ignored, so passing more is safe. */
  bindings: readonly RoleBinding[];
}

export interface BindingGrant {
  subject: BindingSubject;
  role: RoleName;
  scope: BindingScope;
}

export type GrantRefusalReason =
  | 'platform_scope_needs_platform_admin'
  | 'outside_granter_scope'
  | 'granter_not_admin'
  | 'role_above_granter';

const ADMIN_ROLES: readonly RoleName[] = ['platform-admin', 'tenant-admin', 'project-admin'];

export function describeScope(scope: BindingScope): string {
  switch (scope.kind) {
    case 'platform':
      return 'the platform';
    case 'tenant':
      return `tenant ${scope.tenant}`;
    case 'project':
      return `project ${scope.tenant}/${scope.project}`;
  }
}

function refuse(reason: GrantRefusalReason, message: string, grant: BindingGrant): never {
  throw new CubeError('FORBIDDEN', message, {
    reason,
    role: grant.role,
    scope: grant.scope,
  });
}

/** Throws `FORBIDDEN` unless the granter may create or delete a binding like `grant`. */
function assertMayAdminister(granter: Granter, grant: BindingGrant): void {
  // A stored binding at a scope its role does not allow confers nothing (as in the ability factory).
  const held = bindingsOf(granter, granter.bindings).filter((binding) => roleAllowsScope(binding.role, binding.scope.kind));
  const covering = held.filter((binding) => scopeCovers(binding.scope, grant.scope));
  const coveringAdmin = covering.filter((binding) => ADMIN_ROLES.includes(binding.role));
  const where = describeScope(grant.scope);

  if (grant.scope.kind === 'platform' && !coveringAdmin.some((binding) => binding.role === 'platform-admin')) {
    refuse('platform_scope_needs_platform_admin', 'only a platform admin grants platform-scope roles', grant);
  }
  if (coveringAdmin.length === 0) {
    if (covering.length > 0) {
      refuse('granter_not_admin', `members and viewers grant no roles (in ${where})`, grant);
    }
    refuse('outside_granter_scope', `the granter administers nothing covering ${where}`, grant);
  }
  const best = coveringAdmin.reduce((top, binding) => (BUILT_IN_ROLES[binding.role].rank > BUILT_IN_ROLES[top.role].rank ? binding : top));
  if (BUILT_IN_ROLES[grant.role].rank > BUILT_IN_ROLES[best.role].rank) {
    refuse('role_above_granter', `cannot grant ${grant.role}: above the granter's ${best.role} in ${where}`, grant);
  }
}

/**
 * Throws `FORBIDDEN` (details.reason: a `GrantRefusalReason`) when the granter may not create the
 * binding, and `UNPROCESSABLE` when the role cannot be bound at that scope.
 */
export function assertMayGrant(granter: Granter, grant: BindingGrant): void {
  assertMayAdminister(granter, grant);
  if (!roleAllowsScope(grant.role, grant.scope.kind)) {
    throw new CubeError('UNPROCESSABLE', `role ${grant.role} cannot be bound at ${grant.scope.kind} scope`, {
      fields: {
        scope: `${grant.role} may be bound at: ${BUILT_IN_ROLES[grant.role].scopes.join(', ')}`,
      },
      role: grant.role,
      allowedScopes: BUILT_IN_ROLES[grant.role].scopes,
    });
  }
}

/**
 * Deleting a binding needs the same right as granting it, but never fails on the role/scope
 * pairing: a misplaced binding that reached storage must still be removable.
 */
export function assertMayRevoke(granter: Granter, binding: BindingGrant): void {
  assertMayAdminister(granter, binding);
}
