import { CubeError, type BindingScope, type RoleBinding, type RoleName } from '@cube/contracts';
import { assertMayGrant, assertMayRevoke, type GrantRefusalReason } from './grant-policy';
import { scopeCovers } from './grantable-roles';
import { makeBinding, PLATFORM, project, tenant } from './make-binding.testing';

const granterWith = (...bindings: RoleBinding[]) => ({
  name: 'alice',
  groups: ['leads'],
  bindings,
});
const grant = (role: RoleName, scope: BindingScope) => ({
  subject: { kind: 'User' as const, name: 'bob' },
  role,
  scope,
});

const platformAdmin = granterWith(makeBinding('platform-admin', PLATFORM));
const platformViewer = granterWith(makeBinding('viewer', PLATFORM));
const acmeAdmin = granterWith(makeBinding('tenant-admin', tenant('acme')));
const webAdmin = granterWith(makeBinding('project-admin', project('acme', 'web')));
const webMember = granterWith(makeBinding('member', project('acme', 'web')));
const acmeViewer = granterWith(makeBinding('viewer', tenant('acme')));

function refusal(attempt: () => void): {
  code: string;
  reason: unknown;
  message: string;
} {
  try {
    attempt();
  } catch (error) {
    if (error instanceof CubeError) {
      return {
        code: error.code,
        reason: error.details['reason'],
        message: error.message,
      };
    }
    throw error;
  }
  throw new Error('expected a refusal');
}

const forbidden = (reason: GrantRefusalReason) => expect.objectContaining({ code: 'FORBIDDEN', reason });

describe('assertMayGrant: allowed', () => {
  it('lets a platform admin grant platform-admin at platform scope', () => {
    expect(() => assertMayGrant(platformAdmin, grant('platform-admin', PLATFORM))).not.toThrow();
  });

  it('lets a platform admin appoint a platform auditor (viewer at platform scope)', () => {
    expect(() => assertMayGrant(platformAdmin, grant('viewer', PLATFORM))).not.toThrow();
  });

  it('lets a platform admin grant tenant-admin in any tenant', () => {
    expect(() => assertMayGrant(platformAdmin, grant('tenant-admin', tenant('globex')))).not.toThrow();
  });

  it('lets a platform admin grant project-admin in any project', () => {
    expect(() => assertMayGrant(platformAdmin, grant('project-admin', project('globex', 'api')))).not.toThrow();
  });

  it('lets a tenant admin grant tenant-admin in their tenant (their own rank, not above)', () => {
    expect(() => assertMayGrant(acmeAdmin, grant('tenant-admin', tenant('acme')))).not.toThrow();
  });

  it('lets a tenant admin grant member and viewer at their tenant scope', () => {
    expect(() => assertMayGrant(acmeAdmin, grant('member', tenant('acme')))).not.toThrow();
    expect(() => assertMayGrant(acmeAdmin, grant('viewer', tenant('acme')))).not.toThrow();
  });

  it('lets a tenant admin grant project-admin in a project of their tenant', () => {
    expect(() => assertMayGrant(acmeAdmin, grant('project-admin', project('acme', 'web')))).not.toThrow();
  });

  it('lets a project admin grant project-admin, member and viewer in their project', () => {
    for (const role of ['project-admin', 'member', 'viewer'] as const) {
      expect(() => assertMayGrant(webAdmin, grant(role, project('acme', 'web')))).not.toThrow();
    }
  });

  it('counts an admin role held through one of the granter’s groups', () => {
    const viaGroup = granterWith(
      makeBinding('tenant-admin', tenant('acme'), {
        kind: 'Group',
        name: 'leads',
      }),
    );
    expect(() => assertMayGrant(viaGroup, grant('member', project('acme', 'web')))).not.toThrow();
  });

  it('uses the best admin role covering the scope when the granter holds several', () => {
    const both = granterWith(makeBinding('member', tenant('acme')), makeBinding('project-admin', project('acme', 'web')));
    expect(() => assertMayGrant(both, grant('project-admin', project('acme', 'web')))).not.toThrow();
  });
});

describe('assertMayGrant: refused', () => {
  it('refuses a tenant admin granting at platform scope', () => {
    expect(refusal(() => assertMayGrant(acmeAdmin, grant('viewer', PLATFORM)))).toEqual(forbidden('platform_scope_needs_platform_admin'));
  });

  it('refuses a platform auditor granting at platform scope', () => {
    expect(refusal(() => assertMayGrant(platformViewer, grant('viewer', PLATFORM)))).toEqual(
      forbidden('platform_scope_needs_platform_admin'),
    );
  });

  it('refuses a platform auditor granting inside a tenant, as a viewer grants nothing', () => {
    expect(refusal(() => assertMayGrant(platformViewer, grant('viewer', tenant('acme'))))).toEqual(forbidden('granter_not_admin'));
  });

  it('refuses a tenant admin granting in another tenant', () => {
    const result = refusal(() => assertMayGrant(acmeAdmin, grant('member', tenant('globex'))));
    expect(result).toEqual(forbidden('outside_granter_scope'));
    expect(result.message).toContain('tenant globex');
  });

  it('refuses a tenant admin granting in a project of another tenant', () => {
    expect(refusal(() => assertMayGrant(acmeAdmin, grant('member', project('globex', 'web'))))).toEqual(forbidden('outside_granter_scope'));
  });

  it('refuses a project admin granting in another project of the same tenant', () => {
    expect(refusal(() => assertMayGrant(webAdmin, grant('member', project('acme', 'api'))))).toEqual(forbidden('outside_granter_scope'));
  });

  it('refuses a project admin granting at the scope of their tenant', () => {
    expect(refusal(() => assertMayGrant(webAdmin, grant('member', tenant('acme'))))).toEqual(forbidden('outside_granter_scope'));
  });

  it('refuses a project admin granting tenant-admin, a role above their own', () => {
    const result = refusal(() => assertMayGrant(webAdmin, grant('tenant-admin', project('acme', 'web'))));
    expect(result).toEqual(forbidden('role_above_granter'));
    expect(result.message).toBe("cannot grant tenant-admin: above the granter's project-admin in project acme/web");
  });

  it('refuses a tenant admin granting platform-admin, a role above their own', () => {
    expect(refusal(() => assertMayGrant(acmeAdmin, grant('platform-admin', tenant('acme'))))).toEqual(forbidden('role_above_granter'));
  });

  it('refuses a member granting anything, even viewer in their project', () => {
    expect(refusal(() => assertMayGrant(webMember, grant('viewer', project('acme', 'web'))))).toEqual(forbidden('granter_not_admin'));
  });

  it('refuses a viewer granting anything', () => {
    expect(refusal(() => assertMayGrant(acmeViewer, grant('viewer', project('acme', 'web'))))).toEqual(forbidden('granter_not_admin'));
  });

  it('refuses someone with no bindings', () => {
    expect(refusal(() => assertMayGrant(granterWith(), grant('viewer', tenant('acme'))))).toEqual(forbidden('outside_granter_scope'));
  });

  it('ignores other subjects’ bindings passed along', () => {
    const borrowed = granterWith(makeBinding('platform-admin', PLATFORM, 'root'));
    expect(refusal(() => assertMayGrant(borrowed, grant('viewer', tenant('acme'))))).toEqual(forbidden('outside_granter_scope'));
  });

  it('ignores a stored admin binding at a scope its role does not allow', () => {
    const misplaced = granterWith(makeBinding('tenant-admin', project('acme', 'web')));
    expect(refusal(() => assertMayGrant(misplaced, grant('member', project('acme', 'web'))))).toEqual(forbidden('outside_granter_scope'));
  });
});

describe('assertMayGrant: roles at scopes they do not allow', () => {
  const unprocessable = expect.objectContaining({ code: 'UNPROCESSABLE' });

  it('refuses platform-admin at tenant scope as UNPROCESSABLE', () => {
    expect(refusal(() => assertMayGrant(platformAdmin, grant('platform-admin', tenant('acme'))))).toEqual(unprocessable);
  });

  it('refuses tenant-admin at project scope as UNPROCESSABLE', () => {
    expect(refusal(() => assertMayGrant(platformAdmin, grant('tenant-admin', project('acme', 'web'))))).toEqual(unprocessable);
  });

  it('refuses project-admin at tenant scope as UNPROCESSABLE, even from a tenant admin', () => {
    expect(refusal(() => assertMayGrant(acmeAdmin, grant('project-admin', tenant('acme'))))).toEqual(unprocessable);
  });

  it('refuses member at platform scope as UNPROCESSABLE', () => {
    expect(refusal(() => assertMayGrant(platformAdmin, grant('member', PLATFORM)))).toEqual(unprocessable);
  });

  it('refuses tenant-admin at platform scope as UNPROCESSABLE', () => {
    const result = refusal(() => assertMayGrant(platformAdmin, grant('tenant-admin', PLATFORM)));
    expect(result).toEqual(unprocessable);
    expect(result.message).toBe('role tenant-admin cannot be bound at platform scope');
  });
});

describe('assertMayRevoke', () => {
  it('lets a tenant admin delete a project binding in their tenant', () => {
    expect(() => assertMayRevoke(acmeAdmin, grant('member', project('acme', 'web')))).not.toThrow();
  });

  it('refuses a project admin deleting the tenant admin’s binding', () => {
    expect(refusal(() => assertMayRevoke(webAdmin, grant('tenant-admin', tenant('acme'))))).toEqual(forbidden('outside_granter_scope'));
  });

  it('lets a platform admin delete a misplaced binding that reached storage', () => {
    expect(() => assertMayRevoke(platformAdmin, grant('platform-admin', tenant('acme')))).not.toThrow();
  });
});

describe('scopeCovers', () => {
  it('has platform cover all, a tenant cover its projects, a project only itself', () => {
    expect(scopeCovers(PLATFORM, project('a', 'b'))).toBe(true);
    expect(scopeCovers(tenant('a'), project('a', 'b'))).toBe(true);
    expect(scopeCovers(tenant('a'), PLATFORM)).toBe(false);
    expect(scopeCovers(project('a', 'b'), tenant('a'))).toBe(false);
    expect(scopeCovers(project('a', 'b'), project('a', 'b'))).toBe(true);
  });
});
