// The admin kubeconfig a test or kubectl uses: server URL, embedded CA, bearer token.
import { stringify } from 'yaml';

export function adminKubeconfig(opts: {
  name: string;
  url: string;
  caCert: string;
  token: string;
}): string {
  const user = `${opts.name}-admin`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: opts.name,
        cluster: {
          server: opts.url,
          'certificate-authority-data': Buffer.from(opts.caCert).toString(
            'base64',
          ),
        },
      },
    ],
    users: [{ name: user, user: { token: opts.token } }],
    contexts: [
      {
        name: opts.name,
        context: { cluster: opts.name, user, namespace: 'default' },
      },
    ],
    'current-context': opts.name,
    preferences: {},
  });
}
