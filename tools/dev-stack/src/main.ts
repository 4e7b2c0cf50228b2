import { join, resolve } from 'node:path';
import { startStack, StackStartError } from './stack';
import { NatsNotAvailableError } from './nats';

// `npm start`: the whole control plane on this machine, Ctrl-C stops everything.
async function main(): Promise<void> {
  const root = resolve(__dirname, '../../..');
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: process.env['PORT'] ?? '8080' };
  try {
    const stack = await startStack({
      root,
      env,
      stateDir: process.env['CUBE_STATE_DIR'] ?? join(root, '.cube'),
      forceEmbeddedPostgres: process.env['CUBE_EMBEDDED_POSTGRES'] === '1',
    });
    process.stdout.write(`\nCube is starting: gateway at ${stack.gatewayUrl} (readiness: ${stack.gatewayUrl}/readyz, API docs: ${stack.gatewayUrl}/api/docs)\n\n`);
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('[stack] stopping…\n');
      void stack.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error: unknown) {
    if (error instanceof StackStartError || error instanceof NatsNotAvailableError) {
      process.stderr.write(`cube: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

void main();
