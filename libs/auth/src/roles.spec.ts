import { ROLE_NAMES } from '@cube/contracts';
import { BUILT_IN_ROLES, clusterRoleManifest, clusterRoleName, isRoleName, roleAllowsScope } from './roles';

describe('BUILT_IN_ROLES', () => {
  it('has one entry per contract role name, keyed by its own name', () => {
    expect(Object.keys(BUILT_IN_ROLES).sort()).toEqual([...ROLE_NAMES].sort());
    for (const name of ROLE_NAMES) expect(BUILT_IN_ROLES[name].name).toBe(name);
  });

  it('ranks platform-admin > tenant-admin > project-admin > member > viewer', () => {
    const ranks = ['platform-admin', 'tenant-admin', 'project-admin', 'member', 'viewer'].map((name) =>
      isRoleName(name) ? BUILT_IN_ROLES[name].rank : 0,
    );
    expect(ranks).toEqual([5, 4, 3, 2, 1]);
  });

  it('binds platform-admin only at platform scope, and each admin role at its own scope only', () => {
    expect(BUILT_IN_ROLES['platform-admin'].scopes).toEqual(['platform']);
    expect(BUILT_IN_ROLES['tenant-admin'].scopes).toEqual(['tenant']);
    expect(BUILT_IN_ROLES['project-admin'].scopes).toEqual(['project']);
  });

  it('binds member at tenant or project scope and viewer also at platform scope as an auditor', () => {
    expect(roleAllowsScope('member', 'tenant')).toBe(true);
    expect(roleAllowsScope('member', 'project')).toBe(true);
    expect(roleAllowsScope('member', 'platform')).toBe(false);
    expect(BUILT_IN_ROLES.viewer.scopes).toEqual(['platform', 'tenant', 'project']);
  });

  it('is plain data that survives JSON, as GET /api/v1/roles returns it', () => {
    expect(JSON.parse(JSON.stringify(BUILT_IN_ROLES))).toEqual(BUILT_IN_ROLES);
  });
});

describe('native rules', () => {
  const verbsOn = (role: (typeof ROLE_NAMES)[number], group: string, resource: string): string[] =>
    BUILT_IN_ROLES[role].nativeRules
      .filter((rule) => rule.apiGroups?.includes(group) && rule.resources?.includes(resource))
      .flatMap((rule) => rule.verbs);

  it('gives a viewer reads but neither writes nor secrets, like Kubernetes view', () => {
    expect(verbsOn('viewer', 'apps', 'deployments')).toEqual(['get', 'list', 'watch']);
    expect(verbsOn('viewer', '', 'secrets')).toEqual([]);
  });

  it('lets a member write workloads and exec into pods but not touch RBAC or quota, like edit', () => {
    expect(verbsOn('member', 'apps', 'deployments')).toEqual(expect.arrayContaining(['create', 'update', 'delete']));
    expect(verbsOn('member', '', 'pods/exec')).toContain('create');
    expect(verbsOn('member', 'rbac.authorization.k8s.io', 'rolebindings')).toEqual([]);
    expect(verbsOn('member', '', 'resourcequotas')).toEqual(['get', 'list', 'watch']);
  });

  it('lets tenant and project admins manage namespace RBAC, like admin', () => {
    for (const role of ['tenant-admin', 'project-admin'] as const) {
      expect(verbsOn(role, 'rbac.authorization.k8s.io', 'rolebindings')).toContain('create');
    }
  });

  it('makes platform-admin cluster-admin', () => {
    expect(BUILT_IN_ROLES['platform-admin'].nativeRules).toEqual([
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]);
  });
});

describe('clusterRoleManifest', () => {
  it('returns the rbac.authorization.k8s.io/v1 ClusterRole named cube:<role>', () => {
    const manifest = clusterRoleManifest('member');
    expect(manifest).toMatchObject({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: {
        name: 'cube:member',
        labels: {
          'app.kubernetes.io/managed-by': 'cube',
          'cube.io/role': 'member',
        },
      },
    });
    expect(manifest.rules).toEqual(BUILT_IN_ROLES.member.nativeRules);
    expect(clusterRoleName('platform-admin')).toBe('cube:platform-admin');
  });

  it('hands out copies, so editing a manifest leaves the catalogue alone', () => {
    const manifest = clusterRoleManifest('viewer');
    manifest.rules[0]?.verbs.push('delete');
    expect(BUILT_IN_ROLES.viewer.nativeRules[0]?.verbs).toEqual(['get', 'list', 'watch']);
  });
});
