import { isAudited, isStreamingRequest, parseKubeRequest } from './kube-request';

const parse = (method: string, pathAndQuery: string) => {
  const [path = '', query = ''] = pathAndQuery.split('?');
  return parseKubeRequest(method, path, new URLSearchParams(query));
};

describe('parseKubeRequest', () => {
  it.each([
    ['GET', '/api/v1/namespaces/team-a/pods', { verb: 'list', apiGroup: '', apiVersion: 'v1', namespace: 'team-a', resource: 'pods', name: '', subresource: '' }],
    ['GET', '/api/v1/namespaces/team-a/pods/web', { verb: 'get', namespace: 'team-a', resource: 'pods', name: 'web' }],
    ['GET', '/api/v1/namespaces/team-a/pods?watch=1', { verb: 'watch', resource: 'pods', name: '' }],
    ['GET', '/api/v1/namespaces/team-a/pods/web?watch=true', { verb: 'watch', name: 'web' }],
    ['GET', '/api/v1/watch/namespaces/team-a/pods', { verb: 'watch', namespace: 'team-a', resource: 'pods' }],
    ['POST', '/apis/apps/v1/namespaces/team-a/deployments', { verb: 'create', apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', name: '' }],
    ['PUT', '/apis/apps/v1/namespaces/team-a/deployments/web/scale', { verb: 'update', resource: 'deployments', name: 'web', subresource: 'scale' }],
    ['PATCH', '/api/v1/namespaces/team-a/configmaps/settings', { verb: 'patch', resource: 'configmaps', name: 'settings' }],
    ['DELETE', '/api/v1/namespaces/team-a/pods/web', { verb: 'delete', name: 'web' }],
    ['DELETE', '/api/v1/namespaces/team-a/pods', { verb: 'deletecollection', name: '' }],
    ['POST', '/api/v1/namespaces/team-a/pods/web/exec?command=echo', { verb: 'create', resource: 'pods', name: 'web', subresource: 'exec' }],
    ['GET', '/api/v1/namespaces/team-a/pods/web/exec?command=echo', { verb: 'get', resource: 'pods', name: 'web', subresource: 'exec' }],
    ['GET', '/api/v1/namespaces/team-a/pods/web/log?follow=true', { verb: 'get', subresource: 'log' }],
    ['GET', '/api/v1/namespaces', { verb: 'list', namespace: '', resource: 'namespaces' }],
    ['GET', '/api/v1/namespaces/team-a', { verb: 'get', namespace: 'team-a', resource: 'namespaces', name: 'team-a' }],
    ['PUT', '/api/v1/namespaces/team-a/finalize', { verb: 'update', namespace: 'team-a', resource: 'namespaces', name: 'team-a', subresource: 'finalize' }],
    ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/view', { verb: 'get', apiGroup: 'rbac.authorization.k8s.io', namespace: '', resource: 'clusterroles', name: 'view' }],
  ])('%s %s', (method, path, expected) => {
    expect(parse(method, path)).toMatchObject({ isResourceRequest: true, ...expected });
  });

  it.each([['/api'], ['/api/v1'], ['/apis'], ['/apis/apps/v1'], ['/version'], ['/healthz'], ['/openapi/v2']])(
    'reads %s as a non-resource request with the method as verb',
    (path) => {
      expect(parse('GET', path)).toMatchObject({ isResourceRequest: false, verb: 'get', resource: '' });
    },
  );

  it('decodes percent-encoded segments', () => {
    expect(parse('GET', '/api/v1/namespaces/team-a/configmaps/a%3Ab')).toMatchObject({ name: 'a:b' });
  });
});

describe('isAudited', () => {
  const audited = (method: string, path: string, reads = false) => isAudited(parse(method, path), reads);

  it('audits every write and every stream connection', () => {
    expect(audited('POST', '/api/v1/namespaces/a/pods')).toBe(true);
    expect(audited('PUT', '/api/v1/namespaces/a/pods/p')).toBe(true);
    expect(audited('PATCH', '/api/v1/namespaces/a/pods/p')).toBe(true);
    expect(audited('DELETE', '/api/v1/namespaces/a/pods/p')).toBe(true);
    expect(audited('DELETE', '/api/v1/namespaces/a/pods')).toBe(true);
    expect(audited('GET', '/api/v1/namespaces/a/pods/p/exec?command=sh')).toBe(true);
    expect(audited('GET', '/api/v1/namespaces/a/pods/p/attach')).toBe(true);
    expect(audited('GET', '/api/v1/namespaces/a/pods/p/portforward?ports=80')).toBe(true);
  });

  it('leaves reads and discovery out unless reads are configured', () => {
    expect(audited('GET', '/api/v1/namespaces/a/pods')).toBe(false);
    expect(audited('GET', '/api/v1/namespaces/a/pods/p')).toBe(false);
    expect(audited('GET', '/api/v1/namespaces/a/pods?watch=1')).toBe(false);
    expect(audited('GET', '/api/v1/namespaces/a/pods', true)).toBe(true);
    expect(audited('GET', '/apis', true)).toBe(false);
  });
});

describe('isStreamingRequest', () => {
  const streaming = (path: string) => {
    const [p = '', q = ''] = path.split('?');
    return isStreamingRequest(parseKubeRequest('GET', p, new URLSearchParams(q)), new URLSearchParams(q));
  };

  it('streams watches and followed logs only', () => {
    expect(streaming('/api/v1/namespaces/a/pods?watch=1')).toBe(true);
    expect(streaming('/api/v1/watch/namespaces/a/pods')).toBe(true);
    expect(streaming('/api/v1/namespaces/a/pods/p/log?follow=true')).toBe(true);
    expect(streaming('/api/v1/namespaces/a/pods/p/log')).toBe(false);
    expect(streaming('/api/v1/namespaces/a/pods')).toBe(false);
  });
});
