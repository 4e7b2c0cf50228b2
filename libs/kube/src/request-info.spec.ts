import { parseRequestInfo } from './request-info';

const parse = (method: string, pathAndQuery: string) => {
  const [path = '', query = ''] = pathAndQuery.split('?');
  return parseRequestInfo(method, path, new URLSearchParams(query));
};

describe('parseRequestInfo', () => {
  it.each([
    [
      'GET',
      '/api/v1/namespaces/team-a/pods',
      { verb: 'list', apiGroup: '', apiVersion: 'v1', namespace: 'team-a', resource: 'pods', name: '', subresource: '' },
    ],
    ['GET', '/api/v1/namespaces/team-a/pods/web', { verb: 'get', namespace: 'team-a', resource: 'pods', name: 'web' }],
    ['GET', '/api/v1/namespaces/team-a/pods?watch=1', { verb: 'watch', resource: 'pods', name: '' }],
    // A named GET stays a get whatever `watch` says (requestinfo.go only turns name-less GETs into list/watch).
    ['GET', '/api/v1/namespaces/team-a/pods/web?watch=true', { verb: 'get', name: 'web' }],
    ['GET', '/api/v1/namespaces/team-a/pods?watch=TRUE', { verb: 'watch', name: '' }],
    ['GET', '/api/v1/namespaces/team-a/pods?watch=yes', { verb: 'watch' }],
    ['GET', '/api/v1/namespaces/team-a/pods?watch=', { verb: 'watch' }],
    ['GET', '/api/v1/namespaces/team-a/pods?watch=0', { verb: 'list' }],
    ['GET', '/api/v1/namespaces/team-a/pods?watch=False', { verb: 'list' }],
    ['GET', '/api/v1/watch/namespaces/team-a/pods/web', { verb: 'watch', resource: 'pods', name: 'web' }],
    // A metadata.name field selector names the object of a list or watch (kubectl get pod web --watch).
    ['GET', '/api/v1/namespaces/team-a/pods?fieldSelector=metadata.name%3Dweb', { verb: 'list', name: 'web', parts: ['pods'] }],
    ['GET', '/api/v1/namespaces/team-a/pods?watch=1&fieldSelector=metadata.name%3D%3Dweb', { verb: 'watch', name: 'web' }],
    ['GET', '/api/v1/pods?fieldSelector=status.phase%3DRunning,metadata.name%3Dweb', { verb: 'list', namespace: '', name: 'web' }],
    ['GET', '/api/v1/namespaces/team-a/pods?fieldSelector=metadata.name!%3Dweb', { verb: 'list', name: '' }],
    ['GET', '/api/v1/namespaces/team-a/pods?fieldSelector=metadata.name%3Da%2Fb', { verb: 'list', name: '' }],
    ['GET', '/api/v1/namespaces/team-a/pods?fieldSelector=metadata.name%3D..', { verb: 'list', name: '' }],
    ['GET', '/api/v1/namespaces/team-a/pods?fieldSelector=metadata.name', { verb: 'list', name: '' }],
    ['DELETE', '/api/v1/namespaces/team-a/pods?fieldSelector=metadata.name%3Dweb', { verb: 'deletecollection', name: '' }],
    ['GET', '/api/v1/watch/namespaces/team-a/pods', { verb: 'watch', namespace: 'team-a', resource: 'pods' }],
    [
      'POST',
      '/apis/apps/v1/namespaces/team-a/deployments',
      { verb: 'create', apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', name: '' },
    ],
    [
      'PUT',
      '/apis/apps/v1/namespaces/team-a/deployments/web/scale',
      { verb: 'update', resource: 'deployments', name: 'web', subresource: 'scale' },
    ],
    ['PATCH', '/api/v1/namespaces/team-a/configmaps/settings', { verb: 'patch', resource: 'configmaps', name: 'settings' }],
    ['DELETE', '/api/v1/namespaces/team-a/pods/web', { verb: 'delete', name: 'web' }],
    ['DELETE', '/api/v1/namespaces/team-a/pods', { verb: 'deletecollection', name: '' }],
    [
      'POST',
      '/api/v1/namespaces/team-a/pods/web/exec?command=echo',
      { verb: 'create', resource: 'pods', name: 'web', subresource: 'exec' },
    ],
    ['GET', '/api/v1/namespaces/team-a/pods/web/exec?command=echo', { verb: 'get', resource: 'pods', name: 'web', subresource: 'exec' }],
    ['GET', '/api/v1/namespaces/team-a/pods/web/log?follow=true', { verb: 'get', subresource: 'log' }],
    ['GET', '/api/v1/namespaces', { verb: 'list', namespace: '', resource: 'namespaces' }],
    ['GET', '/api/v1/namespaces/team-a', { verb: 'get', namespace: 'team-a', resource: 'namespaces', name: 'team-a' }],
    [
      'PUT',
      '/api/v1/namespaces/team-a/finalize',
      { verb: 'update', namespace: 'team-a', resource: 'namespaces', name: 'team-a', subresource: 'finalize' },
    ],
    [
      'GET',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles/view',
      { verb: 'get', apiGroup: 'rbac.authorization.k8s.io', namespace: '', resource: 'clusterroles', name: 'view' },
    ],
  ])('%s %s', (method, path, expected) => {
    expect(parse(method, path)).toMatchObject({ isResourceRequest: true, ...expected });
  });

  it.each([['/api'], ['/api/v1'], ['/apis'], ['/apis/apps/v1'], ['/version'], ['/healthz'], ['/openapi/v2']])(
    'reads %s as a non-resource request with the method as verb',
    (path) => {
      expect(parse('GET', path)).toMatchObject({ isResourceRequest: false, verb: 'get', resource: '' });
    },
  );

  it('decodes a percent-encoded name as kube-apiserver does (client-node sends cube:member as cube%3Amember)', () => {
    expect(parse('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/cube%3Amember')).toMatchObject({
      resource: 'clusterroles',
      name: 'cube:member',
    });
  });

  it('keeps a segment that is not valid percent-encoding as it came', () => {
    expect(parse('GET', '/api/v1/namespaces/a%zz').name).toBe('a%zz');
  });

  it('takes the third segment as the subresource and keeps the rest in parts (pods/x/proxy/some/path)', () => {
    expect(parse('GET', '/api/v1/namespaces/a/pods/p/proxy/metrics/raw')).toMatchObject({
      subresource: 'proxy',
      parts: ['pods', 'p', 'proxy', 'metrics', 'raw'],
    });
  });
});
