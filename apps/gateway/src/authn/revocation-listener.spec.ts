import { connect } from 'nats';
import { eventSubject, IdentitySubjects } from '@cube/contracts';
import { ServiceBus } from '@cube/messaging';
import { PrivateNatsServer, until } from '@cube/messaging/testing';
import { CredentialVerifier } from './credential-verifier';
import { RevocationListener } from './revocation-listener';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

function recordingCredentials(): { credentials: CredentialVerifier; forgotten: string[] } {
  const forgotten: string[] = [];
  const credentials = {
    forgetApiTokens: () => forgotten.push('api-tokens'),
    forgetAll: () => forgotten.push('all'),
  } as unknown as CredentialVerifier;
  return { credentials, forgotten };
}

async function shutDown(listener: RevocationListener, bus: ServiceBus): Promise<void> {
  listener.beforeApplicationShutdown();
  await bus.close();
}

describe('RevocationListener on the real NATS', () => {
  it('makes the gateway forget cached credentials when identity announces a revocation or a user change', async () => {
    const { credentials, forgotten } = recordingCredentials();
    const bus = new ServiceBus({ service: 'gateway', servers: [NATS_URL], requestTimeoutMs: 1000 });
    const listener = new RevocationListener(credentials, bus);
    listener.onModuleInit();
    // Users of the connection run in turn: this one after the listener subscribed and flushed.
    await new Promise<void>((resolve) => bus.onConnection(() => resolve()));

    const identity = await connect({ servers: NATS_URL });
    try {
      identity.publish(eventSubject('identity', 'token', 'revoked'), new Uint8Array());
      identity.publish(eventSubject('identity', 'user', 'updated'), new Uint8Array());
      identity.publish(eventSubject('identity', 'binding', 'created'), new Uint8Array());
      await identity.flush();
      await until('both events handled', async () => (forgotten.length >= 2 ? true : undefined));
    } finally {
      await identity.close();
      await shutDown(listener, bus);
    }
    expect(forgotten).toEqual(['api-tokens', 'all']);
  });

  it('started while NATS is down, connects once NATS comes up and then receives revocations', async () => {
    const nats = await PrivateNatsServer.start();
    await nats.stop();
    const { credentials, forgotten } = recordingCredentials();
    const bus = new ServiceBus({ service: 'gateway', servers: [nats.url], requestTimeoutMs: 1000, connectRetryMs: 100 });
    const listener = new RevocationListener(credentials, bus);
    try {
      listener.onModuleInit();
      // Nothing to connect to: the bus is not connected, and a request fails at once instead of hanging.
      await expect(bus.requestAsSystem(IdentitySubjects.jwks, {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(bus.connected).toBe(false);

      await nats.restart();
      const identity = await connect({ servers: nats.url });
      try {
        // Published until heard: the listener subscribes on its own once the bus reached NATS.
        await until('the listener to hear a revocation', async () => {
          identity.publish(eventSubject('identity', 'token', 'revoked'), new Uint8Array());
          await identity.flush();
          return forgotten.length > 0 ? true : undefined;
        });
      } finally {
        await identity.close();
      }
      expect(bus.connected).toBe(true);
      expect(forgotten[0]).toBe('api-tokens');
    } finally {
      await shutDown(listener, bus);
      await nats.remove();
    }
  });
});
