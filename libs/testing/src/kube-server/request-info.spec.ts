import { parseRequestInfo } from './pipeline';

describe('parseRequestInfo', () => {
  it('decodes a percent-encoded name as kube-apiserver does (client-node sends cube:member as cube%3Amember)', () => {
    const info = parseRequestInfo('GET', new URL('https://127.0.0.1/apis/rbac.authorization.k8s.io/v1/clusterroles/cube%3Amember'));
    expect(info).toMatchObject({ resource: 'clusterroles', name: 'cube:member' });
  });

  it('keeps a segment that is not valid percent-encoding as it came', () => {
    expect(parseRequestInfo('GET', new URL('https://127.0.0.1/api/v1/namespaces/a%zz')).name).toBe('a%zz');
  });
});
