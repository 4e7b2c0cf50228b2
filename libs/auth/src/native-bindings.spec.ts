import { makeBinding } from './make-binding.testing';
import { nativeBindingPlacement, nativeRoleRefOf, nativeSubjectOf } from './native-bindings';

describe('native bindings', () => {
  it('places a platform binding in one ClusterRoleBinding', () => {
    expect(nativeBindingPlacement({ kind: 'platform' })).toEqual({
      kind: 'ClusterRoleBinding',
    });
  });

  it('places a tenant binding in every namespace of the tenant', () => {
    expect(nativeBindingPlacement({ kind: 'tenant', tenant: 'acme' })).toEqual({
      kind: 'RoleBinding',
      namespaceSelector: { 'cube.io/tenant': 'acme' },
    });
  });

  it('places a project binding in every namespace of the project', () => {
    expect(
      nativeBindingPlacement({
        kind: 'project',
        tenant: 'acme',
        project: 'web',
      }),
    ).toEqual({
      kind: 'RoleBinding',
      namespaceSelector: { 'cube.io/tenant': 'acme', 'cube.io/project': 'web' },
    });
  });

  it('binds the impersonated user or group to the cube:<role> ClusterRole', () => {
    const binding = makeBinding('member', { kind: 'tenant', tenant: 'acme' }, { kind: 'Group', name: 'dev' });
    expect(nativeSubjectOf(binding.subject)).toEqual({
      kind: 'Group',
      apiGroup: 'rbac.authorization.k8s.io',
      name: 'dev',
    });
    expect(nativeRoleRefOf(binding)).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'cube:member',
    });
  });
});
