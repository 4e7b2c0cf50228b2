import 'reflect-metadata';
import { exitWithReason, loadEnvironment } from '@cube/service-runtime';
import { GatewayEnvironment } from './config/gateway-environment';
import { createGateway } from './create-gateway';

async function main(): Promise<void> {
  let env: GatewayEnvironment;
  try {
    env = loadEnvironment(GatewayEnvironment, process.env);
  } catch (error: unknown) {
    exitWithReason('gateway', error instanceof Error ? error.message : String(error));
  }
  try {
    const app = await createGateway(env);
    await app.listen(env.PORT, env.CUBE_HTTP_HOST);
    const address = app.getHttpServer().address() as { port: number };
    process.stdout.write(`cube-gateway: listening on http://${env.CUBE_HTTP_HOST}:${address.port}\n`);
  } catch (error: unknown) {
    exitWithReason('gateway', `failed to start: ${error instanceof Error ? error.message : String(error)}`);
  }
}

void main();
