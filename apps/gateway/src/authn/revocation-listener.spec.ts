import { connect } from 'nats';
import { eventSubject } from '@cube/contracts';
import { GatewayEnvironment } from '../config/gateway-environment';
import { CredentialVerifier } from './credential-verifier';
import { RevocationListener } from './revocation-listener';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

describe('RevocationListener on the real NATS', () => {
  it('makes the gateway forget cached credentials when identity announces a revocation or a user change', async () => {
    const forgotten: string[] = [];
    const credentials = {
      forgetApiTokens: () => forgotten.push('api-tokens'),
      forgetAll: () => forgotten.push('all'),
    } as unknown as CredentialVerifier;
    const env = Object.assign(new GatewayEnvironment(), { NATS_URL });
    const listener = new RevocationListener(credentials, env);
    await listener.onModuleInit();

    const identity = await connect({ servers: NATS_URL });
    identity.publish(eventSubject('identity', 'token', 'revoked'), new Uint8Array());
    identity.publish(eventSubject('identity', 'user', 'updated'), new Uint8Array());
    identity.publish(eventSubject('identity', 'binding', 'created'), new Uint8Array());
    await identity.flush();
    await identity.close();
    await listener.onApplicationShutdown();

    expect(forgotten).toEqual(['api-tokens', 'all']);
  });
});
