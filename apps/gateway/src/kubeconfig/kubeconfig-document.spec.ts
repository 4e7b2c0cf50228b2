import { parse } from 'yaml';
import { kubeconfigDocument } from './kubeconfig-document';

interface Kubeconfig {
  'current-context': string;
  clusters: { name: string; cluster: Record<string, string> }[];
  contexts: { name: string; context: Record<string, string> }[];
  users: { name: string; user: Record<string, string> }[];
}

describe('kubeconfigDocument', () => {
  it("points one context per cluster at the proxy, with the caller's token and a default namespace only where given", () => {
    const config = parse(
      kubeconfigDocument({
        publicUrl: 'https://cube.example.com/base',
        caPem: null,
        user: 'alice',
        token: 'cube_secret',
        clusters: [{ name: 'a', namespace: 'team-x' }, { name: 'b' }],
      }),
    ) as Kubeconfig;
    expect(config['current-context']).toBe('a');
    expect(config.clusters).toEqual([
      { name: 'a', cluster: { server: 'https://cube.example.com/base/api/v1/proxy/clusters/a' } },
      { name: 'b', cluster: { server: 'https://cube.example.com/base/api/v1/proxy/clusters/b' } },
    ]);
    expect(config.contexts).toEqual([
      { name: 'a', context: { cluster: 'a', user: 'alice', namespace: 'team-x' } },
      { name: 'b', context: { cluster: 'b', user: 'alice' } },
    ]);
    expect(config.users).toEqual([{ name: 'alice', user: { token: 'cube_secret' } }]);
  });

  it('carries the public CA as base64 certificate-authority-data when one is configured', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const config = parse(
      kubeconfigDocument({ publicUrl: 'https://cube', caPem: pem, user: 'u', token: 't', clusters: [{ name: 'a' }] }),
    ) as Kubeconfig;
    expect(Buffer.from(config.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString()).toBe(pem);
  });

  it('is an empty, valid kubeconfig without a user when no cluster is reached', () => {
    const config = parse(kubeconfigDocument({ publicUrl: 'http://h:1', caPem: null, user: 'u', token: null, clusters: [] })) as Kubeconfig;
    expect(config).toMatchObject({ 'current-context': '', clusters: [], contexts: [], users: [] });
  });
});
