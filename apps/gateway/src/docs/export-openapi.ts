// Prints the gateway's OpenAPI document without a running stack: the app is built in-process, never
// listens and never reaches NATS (the web console's generated client is made from this output).
import 'reflect-metadata';
import { GatewayEnvironment } from '../config/gateway-environment';
import { createGateway } from '../create-gateway';
import { buildOpenApiDocument } from './openapi';

async function main(): Promise<void> {
  const env = Object.assign(new GatewayEnvironment(), { NATS_URL: 'nats://127.0.0.1:1', LOG_LEVEL: 'silent' });
  const app = await createGateway(env);
  const document = `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
  // A pipe takes large writes asynchronously: exit only once all of it is out.
  await new Promise<void>((resolve, reject) => process.stdout.write(document, (error) => (error ? reject(error) : resolve())));
  await app.close();
}

main().then(
  // The app's NATS client keeps retrying an address that never answers: end the process here.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`openapi export failed: ${String(error)}\n`);
    process.exit(1);
  },
);
