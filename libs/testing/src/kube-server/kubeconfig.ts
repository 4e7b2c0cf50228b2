// Kubeconfigs a test or kubectl uses: server URL, embedded CA, and a bearer token or a client
// certificate (client-certificate-data / client-key-data, as kubeadm writes them).
import { stringify } from 'yaml';

export interface KubeconfigCredentials {
  /** The kubeconfig's user entry name. */
  user: string;
  token?: string;
  /** PEM client certificate and key. */
  cert?: string;
  key?: string;
}

export function userKubeconfig(opts: { name: string; url: string; caCert: string; credentials: KubeconfigCredentials }): string {
  const { user, token, cert, key } = opts.credentials;
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  const entry: Record<string, string> = {};
  if (token) entry.token = token;
  if (cert) entry['client-certificate-data'] = b64(cert);
  if (key) entry['client-key-data'] = b64(key);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: opts.name,
        cluster: {
          server: opts.url,
          'certificate-authority-data': b64(opts.caCert),
        },
      },
    ],
    users: [{ name: user, user: entry }],
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

export function adminKubeconfig(opts: { name: string; url: string; caCert: string; token: string }): string {
  return userKubeconfig({
    ...opts,
    credentials: { user: `${opts.name}-admin`, token: opts.token },
  });
}
