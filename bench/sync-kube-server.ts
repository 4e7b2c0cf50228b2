// Child process of `npm run bench -- sync`: one Kubernetes API test server that counts the requests
// it serves by HTTP method, so the bench can tell how many writes a leg sent. It answers IPC messages
// `counts` (the counts and CPU seconds since the last reset) and `reset`; it sends `{ kubeconfig }` once listening.
import { IncomingMessage } from 'node:http';
import { startKubeServer } from '../libs/testing/src/kube-server/server';

const counts: Record<string, number> = {};
let adminToken = '';
let cpu = process.cpuUsage();
const ADMIN = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

async function main(): Promise<void> {
  const server = await startKubeServer({
    name: 'bench-member',
    // The admin token only (what both legs use), counting every request on the way.
    authenticator: async (req: IncomingMessage) => {
      counts[req.method ?? 'GET'] = (counts[req.method ?? 'GET'] ?? 0) + 1;
      return req.headers.authorization === `Bearer ${adminToken}` ? ADMIN : undefined;
    },
  });
  adminToken = server.adminToken;
  process.on('message', (message: string) => {
    if (message === 'reset') {
      for (const method of Object.keys(counts)) delete counts[method];
      cpu = process.cpuUsage();
    }
    if (message === 'counts' || message === 'reset') {
      const used = process.cpuUsage(cpu);
      process.send?.({ counts: { ...counts }, cpuSeconds: (used.user + used.system) / 1e6 });
    }
  });
  process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
  process.send?.({ kubeconfig: server.kubeconfig });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
