import { connect, JSONCodec, NatsConnection } from 'nats';
import { Client } from 'pg';
import { RunningStack } from '@cube/dev-stack';
import { CallOptions, gatewayClient, LineLog, startTestStack, TestStack, until, waitForStatus } from './support';

const ADMIN_PASSWORD = 'e2e-root-secret-2026';

interface StoredEvent {
  id: string;
  type: string;
  entity: { kind: string; name: string };
  version: number;
}

/**
 * Identity's domain events go through its outbox: while JetStream cannot store them (here: the
 * CUBE_EVENTS stream is gone) the write still succeeds and the event waits in identity's schema;
 * a restarted identity recreates the stream and relays what waited, each event exactly once.
 */
describe('identity events through the outbox', () => {
  const log = new LineLog();
  let running: TestStack;
  let stack: RunningStack;
  let bus: NatsConnection;
  let db: Client;

  const client = gatewayClient(() => stack.gatewayUrl);
  const call = (method: string, path: string, options: CallOptions = {}) => client.call(method, path, options);
  /** Every event about this user in CUBE_EVENTS, read from the stream itself; none when it does not exist. */
  const storedAbout = async (user: string): Promise<StoredEvent[]> => {
    const jsm = await bus.jetstreamManager();
    const info = await jsm.streams.info('CUBE_EVENTS').catch(() => null);
    if (!info || info.state.messages === 0) return [];
    const codec = JSONCodec<StoredEvent>();
    const found: StoredEvent[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
      const message = await jsm.streams.getMessage('CUBE_EVENTS', { seq }).catch(() => null);
      const event = message ? codec.decode(message.data) : null;
      if (event?.entity.kind === 'User' && event.entity.name === user) found.push(event);
    }
    return found;
  };

  const waiting = async (): Promise<number> => {
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM "identity"."event_outbox"');
    return rows[0]?.n ?? 0;
  };

  beforeAll(async () => {
    running = await startTestStack('identity_outbox', { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD }, log.push);
    stack = running.stack;
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    bus = await connect({ servers: running.natsUrl });
    db = new Client({ connectionString: running.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await bus?.close();
    await running?.stop();
  });

  it('relays a user.created event once JetStream is back, exactly once', async () => {
    const login = await call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(login.status).toBe(200);
    const token = String(login.body['accessToken']);

    // A change with JetStream working: its event arrives, and nothing is left waiting.
    expect((await call('POST', '/api/v1/users', { token, body: { name: 'before', password: 'a long secret phrase' } })).status).toBe(201);
    await until('the first event', async () => (await storedAbout('before')).length === 1);
    await until('an empty outbox', async () => (await waiting()) === 0);

    await (await bus.jetstreamManager()).streams.delete('CUBE_EVENTS');
    const created = await call('POST', '/api/v1/users', { token, body: { name: 'while-gone', password: 'a long secret phrase' } });
    expect(created.status).toBe(201);
    // The relay keeps failing (nothing stores cube.events.*), and the event stays in identity's schema.
    await until('the relay to report failures', async () => log.all().some((line) => line.includes('events wait in the outbox')));
    expect(await waiting()).toBe(1);
    expect(await storedAbout('while-gone')).toEqual([]);

    // A new identity process recreates the stream at boot and relays what the old one left.
    await stack.stopProcess('identity');
    await stack.startProcess('identity');
    await until('the event in CUBE_EVENTS', async () => (await storedAbout('while-gone')).length > 0);
    await until('an empty outbox', async () => (await waiting()) === 0);
    const stored = await storedAbout('while-gone');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ type: 'identity.user.created', entity: { kind: 'User', name: 'while-gone' }, version: 1 });
  }, 180_000);
});
