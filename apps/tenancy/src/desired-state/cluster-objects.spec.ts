import { RoleBinding } from '@cube/contracts';
import { clusterWideObjects } from './cluster-objects';

const binding = (id: string, subject: RoleBinding['subject'], role: RoleBinding['role'], scope: RoleBinding['scope']): RoleBinding => ({
  id,
  subject,
  role,
  scope,
  createdAt: '2026-01-01T00:00:00Z',
  createdBy: 'admin',
  origin: 'manual',
  version: 1,
});

describe('cluster-wide desired objects', () => {
  it('are the role ClusterRoles and one labelled ClusterRoleBinding per platform binding, User or Group', () => {
    const objects = clusterWideObjects([
      binding('p1', { kind: 'User', name: 'carol' }, 'platform-admin', { kind: 'platform' }),
      binding('p2', { kind: 'Group', name: 'auditors' }, 'viewer', { kind: 'platform' }),
      binding('t1', { kind: 'User', name: 'dave' }, 'tenant-admin', { kind: 'tenant', tenant: 'acme' }),
    ]);
    const keys = [...objects.keys()];
    expect(keys.filter((key) => key.startsWith('clusterrole.'))).toHaveLength(5);
    expect(keys.filter((key) => key.startsWith('clusterrolebinding.')).sort()).toEqual([
      'clusterrolebinding.cube-p1',
      'clusterrolebinding.cube-p2',
    ]);
    expect(objects.get('clusterrolebinding.cube-p1')).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: {
        name: 'cube-p1',
        labels: {
          'app.kubernetes.io/managed-by': 'cube',
          'cube.io/managed-by': 'cube',
          'cube.io/binding': 'p1',
          'cube.io/role': 'platform-admin',
        },
      },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cube:platform-admin' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'carol' }],
    });
    expect(objects.get('clusterrolebinding.cube-p2')).toMatchObject({
      roleRef: { name: 'cube:viewer' },
      subjects: [{ kind: 'Group', name: 'auditors' }],
    });
  });
});
