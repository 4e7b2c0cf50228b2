// CLI: `npm run kube-server -- --port 0 --name member-a --kubeconfig /tmp/x.kubeconfig [--state-file f]`.
// Prints the URL, writes the admin kubeconfig, runs until SIGINT/SIGTERM.
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
    },
  });
  const server = await startKubeServer({
    name: values.name ?? 'kube',
    port: Number(values.port),
    host: values.host,
    kubeconfigPath: values.kubeconfig,
    stateFile: values['state-file'],
  });
  console.log(server.url);
  if (values.kubeconfig)
    console.log(`kubeconfig written to ${values.kubeconfig}`);
  const shutdown = () => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
