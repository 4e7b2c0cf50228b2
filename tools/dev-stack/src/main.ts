import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LOCAL_HEALTH_PORTS, startStack, StackStartError, type StackProcess } from './stack';
import { NatsNotAvailableError } from './nats';
import { prettyLines } from './pretty';

// `npm start`: the whole control plane on this machine, Ctrl-C stops everything.
async function main(): Promise<void> {
  const root = resolve(__dirname, '../../..');
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: process.env['PORT'] ?? '8080' };
  const stateDir = resolve(process.env['CUBE_STATE_DIR'] ?? join(root, '.cube'));
  // A terminal gets pino-pretty lines; a pipe or a file keeps the JSON lines.
  const verbose = ['debug', 'trace'].includes(process.env['LOG_LEVEL'] ?? '');
  const formatLine = process.stdout.isTTY ? prettyLines({ colorize: process.stdout.hasColors?.() ?? false, verbose }) : undefined;
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  try {
    stack = await startStack({
      root,
      env,
      stateDir,
      forceEmbeddedPostgres: process.env['CUBE_EMBEDDED_POSTGRES'] === '1',
      healthPorts: LOCAL_HEALTH_PORTS,
      ...(formatLine ? { formatLine } : {}),
    });
    const running = stack;
    process.stdout.write(`\nCube is starting: gateway at ${running.gatewayUrl} (waiting for every service to answer /readyz)\n\n`);
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('[stack] stopping…\n');
      void running.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    await running.ready;
    process.stdout.write(startBlock(running.gatewayUrl, env, stateDir));
  } catch (error: unknown) {
    if (error instanceof StackStartError || error instanceof NatsNotAvailableError) {
      await stack?.stop();
      process.stderr.write(`\ncube: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** What a newcomer needs once everything answers: where to go, how to sign in, where the state is. */
function startBlock(gatewayUrl: string, env: NodeJS.ProcessEnv, stateDir: string): string {
  const passwordFile = resolve(env['CUBE_ADMIN_PASSWORD_FILE'] ?? join(stateDir, 'admin-password'));
  const password = env['CUBE_ADMIN_PASSWORD']
    ? 'the value of CUBE_ADMIN_PASSWORD'
    : existsSync(passwordFile)
      ? `in ${passwordFile}`
      : `set at its first start (${passwordFile} is gone; the database already had users)`;
  const rows: [string, string][] = [
    ['Gateway', gatewayUrl],
    ['API docs', `${gatewayUrl}/api/docs`],
    ['Metrics', `http://127.0.0.1:${LOCAL_HEALTH_PORTS.gateway}-${LOCAL_HEALTH_PORTS.warden}/metrics (deploy/prometheus/prometheus.yml)`],
    ['Admin', `user "admin", password ${password}`],
    ['State', stateDir],
    ['Stop', 'Ctrl-C'],
  ];
  const lines = rows.map(([label, value]) => `  ${label.padEnd(9)} ${value}`);
  const rule = '─'.repeat(Math.min(100, Math.max(...lines.map((line) => line.length)) + 2));
  return `\n${rule}\n  Cube is ready\n${lines.join('\n')}\n${rule}\n\n`;
}

export type { StackProcess };

void main();
