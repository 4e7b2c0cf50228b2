import { CubeError } from '@cube/contracts';
import {
  abilityFromPackedRules,
  actorFromClaims,
  authorize,
  authorizeVisible,
  defineAbilityFor,
  packRulesFor,
  roleBindingSubject,
  subjectOf,
  type PackedPlatformRule,
  type PlatformSubjectObject,
} from './ability.factory';
import { makeBinding, PLATFORM, project, tenant } from './make-binding.testing';
import { PLATFORM_ACTIONS, PLATFORM_SUBJECT_KINDS } from './platform-subjects';
import { BUILT_IN_ROLES } from './roles';

const alice = { name: 'alice', groups: ['dev'] };
const acmeProject = (name: string) => subjectOf('Project', { tenant: 'acme', project: name });
const acmeNamespace = (projectName: string) =>
  subjectOf('Namespace', {
    tenant: 'acme',
    project: projectName,
    cluster: 'c1',
    namespace: 'ns',
  });

describe('defineAbilityFor', () => {
  it('gives a platform admin everything', () => {
    const ability = defineAbilityFor(alice, [makeBinding('platform-admin', PLATFORM)]);
    expect(ability.can('delete', subjectOf('Cluster', { cluster: 'c1' }))).toBe(true);
    expect(ability.can('manage', 'all')).toBe(true);
  });

  it('lets a tenant admin manage projects, namespaces and bindings of their tenant only', () => {
    const ability = defineAbilityFor(alice, [makeBinding('tenant-admin', tenant('acme'))]);
    expect(ability.can('manage', acmeProject('web'))).toBe(true);
    expect(ability.can('create', acmeNamespace('web'))).toBe(true);
    expect(
      ability.can(
        'delete',
        subjectOf('RoleBinding', {
          role: 'member',
          scope: 'project',
          tenant: 'acme',
          project: 'web',
        }),
      ),
    ).toBe(true);
    expect(ability.can('update', subjectOf('Tenant', { tenant: 'acme' }))).toBe(true);
    expect(ability.can('delete', subjectOf('Tenant', { tenant: 'acme' }))).toBe(false);
    expect(ability.can('read', subjectOf('Project', { tenant: 'globex', project: 'web' }))).toBe(false);
  });

  it('lets a tenant admin set namespace quota but not the tenant quota', () => {
    const ability = defineAbilityFor(alice, [makeBinding('tenant-admin', tenant('acme'))]);
    const namespaceQuota = subjectOf('Quota', {
      level: 'namespace',
      tenant: 'acme',
      cluster: 'c1',
      project: 'web',
      namespace: 'ns',
    });
    const tenantQuota = subjectOf('Quota', {
      level: 'tenant',
      tenant: 'acme',
      cluster: 'c1',
    });
    expect(ability.can('update', namespaceQuota)).toBe(true);
    expect(ability.can('update', tenantQuota)).toBe(false);
    expect(ability.can('read', tenantQuota)).toBe(true);
  });

  it('shows a project admin the tenant quota they allocate from, without letting them change it', () => {
    const ability = defineAbilityFor(alice, [makeBinding('project-admin', project('acme', 'web'))]);
    const tenantQuota = subjectOf('Quota', {
      level: 'tenant',
      tenant: 'acme',
      cluster: 'c1',
    });
    expect(ability.can('read', tenantQuota)).toBe(true);
    expect(ability.can('update', tenantQuota)).toBe(false);
    expect(
      ability.can(
        'read',
        subjectOf('Quota', {
          level: 'tenant',
          tenant: 'globex',
          cluster: 'c1',
        }),
      ),
    ).toBe(false);
  });

  it('keeps a project admin inside their project, reading its tenant', () => {
    const ability = defineAbilityFor(alice, [makeBinding('project-admin', project('acme', 'web'))]);
    expect(ability.can('create', acmeNamespace('web'))).toBe(true);
    expect(ability.can('update', acmeProject('web'))).toBe(true);
    expect(ability.can('delete', acmeProject('web'))).toBe(false);
    expect(ability.can('read', acmeNamespace('api'))).toBe(false);
    expect(ability.can('read', subjectOf('Tenant', { tenant: 'acme' }))).toBe(true);
    expect(ability.can('update', subjectOf('Tenant', { tenant: 'acme' }))).toBe(false);
  });

  it('lets a viewer only read', () => {
    const ability = defineAbilityFor(alice, [makeBinding('viewer', project('acme', 'web'))]);
    expect(ability.can('read', acmeNamespace('web'))).toBe(true);
    for (const action of ['create', 'update', 'delete', 'manage'] as const) {
      expect(ability.can(action, acmeNamespace('web'))).toBe(false);
    }
    expect(
      ability.can(
        'create',
        subjectOf('ConsoleSession', {
          owner: 'alice',
          tenant: 'acme',
          project: 'web',
          cluster: 'c1',
          namespace: 'ns',
        }),
      ),
    ).toBe(false);
  });

  it('lets a member of a tenant open consoles in any of its projects', () => {
    const ability = defineAbilityFor(alice, [makeBinding('member', tenant('acme'))]);
    const session = subjectOf('ConsoleSession', {
      owner: 'alice',
      tenant: 'acme',
      project: 'api',
      cluster: 'c1',
      namespace: 'ns',
    });
    expect(ability.can('create', session)).toBe(true);
    expect(ability.can('create', acmeNamespace('api'))).toBe(false);
  });

  it('makes a platform viewer an auditor who reads everything and changes nothing', () => {
    const ability = defineAbilityFor(alice, [makeBinding('viewer', PLATFORM)]);
    expect(ability.can('read', subjectOf('AuditEvent', { cluster: 'c1' }))).toBe(true);
    expect(ability.can('read', subjectOf('User', { user: 'bob' }))).toBe(true);
    expect(ability.can('update', subjectOf('Cluster', { cluster: 'c1' }))).toBe(false);
  });

  it('gives a tenant viewer no audit events and no other users', () => {
    const ability = defineAbilityFor(alice, [makeBinding('viewer', tenant('acme'))]);
    expect(ability.can('read', subjectOf('AuditEvent', { tenant: 'acme' }))).toBe(false);
    expect(ability.can('read', subjectOf('User', { user: 'bob' }))).toBe(false);
  });

  it('counts the bindings of the actor’s groups and ignores everyone else’s', () => {
    const ability = defineAbilityFor(alice, [
      makeBinding('tenant-admin', tenant('acme'), {
        kind: 'Group',
        name: 'dev',
      }),
      makeBinding('tenant-admin', tenant('globex'), 'bob'),
      makeBinding('tenant-admin', tenant('initech'), {
        kind: 'Group',
        name: 'ops',
      }),
    ]);
    expect(ability.can('create', acmeProject('x'))).toBe(true);
    expect(ability.can('read', subjectOf('Project', { tenant: 'globex', project: 'x' }))).toBe(false);
    expect(ability.can('read', subjectOf('Project', { tenant: 'initech', project: 'x' }))).toBe(false);
  });

  it('lets anyone manage their own tokens and profile, but not their own state', () => {
    const ability = defineAbilityFor(alice, []);
    expect(ability.can('delete', subjectOf('ApiToken', { owner: 'alice' }))).toBe(true);
    expect(ability.can('delete', subjectOf('ApiToken', { owner: 'bob' }))).toBe(false);
    expect(ability.can('update', subjectOf('User', { user: 'alice' }), 'email')).toBe(true);
    expect(ability.can('update', subjectOf('User', { user: 'alice' }), 'state')).toBe(false);
    expect(ability.can('read', subjectOf('User', { user: 'bob' }))).toBe(false);
  });

  it('ignores a stored binding at a scope its role does not allow', () => {
    const ability = defineAbilityFor(alice, [makeBinding('platform-admin', tenant('acme'))]);
    expect(ability.can('read', acmeProject('web'))).toBe(false);
  });

  it('gives each role at least the rights of the role ranked below it at the same scope', () => {
    const scopes = [PLATFORM, tenant('acme'), project('acme', 'web')];
    const place = {
      tenant: 'acme',
      project: 'web',
      cluster: 'c1',
      namespace: 'ns',
    };
    const samples: PlatformSubjectObject[] = [
      subjectOf('Tenant', { tenant: 'acme' }),
      subjectOf('Project', { tenant: 'acme', project: 'web' }),
      subjectOf('Namespace', place),
      subjectOf('Quota', { level: 'namespace', ...place }),
      subjectOf('Quota', { level: 'tenant', tenant: 'acme', cluster: 'c1' }),
      subjectOf('Cluster', { cluster: 'c1' }),
      subjectOf('User', { user: 'bob' }),
      subjectOf('RoleBinding', {
        role: 'member',
        scope: 'project',
        tenant: 'acme',
        project: 'web',
      }),
      subjectOf('ApiToken', { owner: 'bob' }),
      subjectOf('AuditEvent', { tenant: 'acme', project: 'web' }),
      subjectOf('HotplugComponent', { cluster: 'c1', component: 'logging' }),
      subjectOf('ConsoleSession', { owner: 'bob', ...place }),
      subjectOf('WebhookSubscription', { id: '5a1d0c4e-0000-4000-8000-000000000001' }),
    ];
    expect(new Set(samples.map((sample) => sample.__caslSubjectType__))).toEqual(new Set(PLATFORM_SUBJECT_KINDS));
    const roles = Object.values(BUILT_IN_ROLES).sort((a, b) => a.rank - b.rank);
    for (const scope of scopes) {
      const allowed = roles.filter((role) => role.scopes.includes(scope.kind));
      allowed.slice(1).forEach((higherRole, index) => {
        const lowerRole = allowed[index];
        if (!lowerRole) return;
        const lower = defineAbilityFor(alice, [makeBinding(lowerRole.name, scope)]);
        const higher = defineAbilityFor(alice, [makeBinding(higherRole.name, scope)]);
        for (const sample of samples) {
          for (const action of PLATFORM_ACTIONS) {
            if (!lower.can(action, sample)) continue;
            const check = {
              role: higherRole.name,
              action,
              subject: sample.__caslSubjectType__,
            };
            expect({ ...check, can: higher.can(action, sample) }).toEqual({
              ...check,
              can: true,
            });
          }
        }
      });
    }
  });
});

describe('actorFromClaims', () => {
  it('takes the user name from sub, not from the display name', () => {
    expect(actorFromClaims({ sub: 'alice', groups: ['dev'] })).toEqual({
      name: 'alice',
      groups: ['dev'],
    });
  });
});

describe('packRulesFor', () => {
  it('packs rules the SPA can unpack into the same ability', () => {
    const bindings = [makeBinding('project-admin', project('acme', 'web'))];
    const packed = packRulesFor(alice, bindings);
    const ability = abilityFromPackedRules(JSON.parse(JSON.stringify(packed)) as PackedPlatformRule[]);
    expect(ability.can('create', acmeNamespace('web'))).toBe(true);
    expect(ability.can('create', acmeNamespace('api'))).toBe(false);
  });
});

describe('authorize', () => {
  const ability = defineAbilityFor(alice, [makeBinding('viewer', project('acme', 'web'))]);

  it('passes silently when allowed', () => {
    expect(() => authorize(ability, 'read', acmeProject('web'))).not.toThrow();
  });

  it('throws FORBIDDEN naming the action and subject when not allowed', () => {
    expect(() => authorize(ability, 'delete', acmeProject('web'))).toThrow(
      expect.objectContaining({
        code: 'FORBIDDEN',
        details: { action: 'delete', subject: 'Project' },
      }),
    );
  });

  it('turns what the actor may not see into NOT_FOUND with authorizeVisible', () => {
    const attempt = () => authorizeVisible(ability, 'delete', acmeProject('api'));
    expect(attempt).toThrow(CubeError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => authorizeVisible(ability, 'delete', acmeProject('web'))).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
  });

  it('maps a stored binding to a subject carrying its scope', () => {
    const binding = makeBinding('member', project('acme', 'web'), 'bob');
    expect(ability.can('read', roleBindingSubject(binding))).toBe(true);
    expect(ability.can('read', roleBindingSubject(makeBinding('member', tenant('acme'), 'bob')))).toBe(false);
  });
});
