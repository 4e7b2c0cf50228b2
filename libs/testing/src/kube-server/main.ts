// CLI: `npm run kube-server -- --port 0 --name member-a --kubeconfig /tmp/x.kubeconfig [--state-file f]
// [--token-file f] [--anonymous-auth] [--authn-webhook url --authn-webhook-ca f]
// [--audit-webhook url --audit-webhook-ca f --audit-level Metadata|RequestResponse]`.
// Prints the URL, writes the admin kubeconfig, runs until SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startKubeServer } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '6443' },
      host: { type: 'string', default: '127.0.0.1' },
      name: { type: 'string', default: 'kube' },
      kubeconfig: { type: 'string' },
      'state-file': { type: 'string' },
      'token-file': { type: 'string' },
      'anonymous-auth': { type: 'boolean' },
      'authn-webhook': { type: 'string' },
      'authn-webhook-ca': { type: 'string' },
      'audit-webhook': { type: 'string' },
      'audit-webhook-ca': { type: 'string' },
      'audit-level': { type: 'string' },
    },
  });
  const pem = (file?: string) => (file ? readFileSync(file, 'utf8') : undefined);
  const level = values['audit-level'];
  if (level !== undefined && level !== 'Metadata' && level !== 'RequestResponse')
    throw new Error('--audit-level must be Metadata or RequestResponse');
  const server = await startKubeServer({
    name: values.name ?? 'kube',
    port: Number(values.port),
    host: values.host,
    kubeconfigPath: values.kubeconfig,
    stateFile: values['state-file'],
    tokenFile: values['token-file'],
    anonymous: values['anonymous-auth'],
    authnWebhook: values['authn-webhook']
      ? {
          url: values['authn-webhook'],
          caBundle: pem(values['authn-webhook-ca']),
        }
      : undefined,
    auditWebhook: values['audit-webhook']
      ? {
          url: values['audit-webhook'],
          caBundle: pem(values['audit-webhook-ca']),
          level,
        }
      : undefined,
  });
  console.log(server.url);
  if (values.kubeconfig) console.log(`kubeconfig written to ${values.kubeconfig}`);
  const shutdown = () => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
