import { Namespace, RoleBinding } from '@cube/contracts';
import { namespaceObjects } from './namespace-objects';

const namespace: Namespace = {
  name: 'web-dev',
  cluster: 'member-a',
  tenant: 'acme',
  project: 'web',
  quota: { hard: { 'requests.cpu': '2' } },
  createdBy: 'admin',
  createdAt: '2026-01-01T00:00:00Z',
  version: 1,
};
const binding = (id: string, scope: RoleBinding['scope']): RoleBinding => ({
  id,
  subject: { kind: 'Group', name: 'devs' },
  role: 'member',
  scope,
  createdAt: '2026-01-01T00:00:00Z',
  createdBy: 'admin',
  origin: 'manual',
  version: 1,
});

describe('desired objects of a namespace', () => {
  it('are the labelled Namespace, its cube-quota and a RoleBinding per binding that reaches it', () => {
    const objects = namespaceObjects(namespace, [
      binding('b1', { kind: 'tenant', tenant: 'acme' }),
      binding('b2', { kind: 'project', tenant: 'acme', project: 'web' }),
      binding('b3', { kind: 'project', tenant: 'acme', project: 'api' }),
      binding('b4', { kind: 'platform' }),
    ]);
    expect([...objects.keys()].sort()).toEqual([
      'namespace.web-dev',
      'resourcequota.web-dev.cube-quota',
      'rolebinding.web-dev.cube-b1',
      'rolebinding.web-dev.cube-b2',
    ]);
    expect(objects.get('namespace.web-dev')).toMatchObject({
      metadata: { labels: { 'cube.io/tenant': 'acme', 'cube.io/project': 'web' } },
    });
    expect(objects.get('resourcequota.web-dev.cube-quota')).toMatchObject({ spec: { hard: { 'requests.cpu': '2' } } });
    expect(objects.get('rolebinding.web-dev.cube-b1')).toMatchObject({
      roleRef: { kind: 'ClusterRole', name: 'cube:member' },
      subjects: [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }],
    });
  });

  it('has no ResourceQuota without a quota', () => {
    expect([...namespaceObjects({ ...namespace, quota: null }, []).keys()]).toEqual(['namespace.web-dev']);
  });
});
