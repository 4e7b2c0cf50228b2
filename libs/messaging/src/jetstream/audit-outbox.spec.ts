import { connect, JetStreamManager, JSONCodec, NatsConnection } from 'nats';
import { AuditRecord, CubeError } from '@cube/contracts';
import { AuditPublisher } from './audit-publisher';
import { ensureStreams } from './cube-streams';
import { PrivateNatsServer } from './private-nats-server.testing';

const write = {
  source: 'platform' as const,
  requestId: 'req-burst',
  actor: { kind: 'user' as const, name: 'alice', groups: [] },
  action: 'tenant.create',
  target: { kind: 'Tenant', name: 'acme' },
  outcome: 'success' as const,
};

async function storedIds(jsm: JetStreamManager, stream: string): Promise<string[]> {
  const info = await jsm.streams.info(stream);
  const codec = JSONCodec<AuditRecord>();
  const ids: string[] = [];
  const consumer = await jsm.jetstream().consumers.get(stream);
  const messages = await consumer.fetch({ max_messages: info.state.messages, expires: 5000 });
  for await (const message of messages) {
    ids.push(codec.decode(message.data).id);
    if (ids.length === info.state.messages) break;
  }
  return ids;
}

// The outbox against a nats-server of the test's own, restarted while records are being published.
describe('AuditPublisher outbox across a NATS restart', () => {
  let server: PrivateNatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await PrivateNatsServer.start();
    nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    await ensureStreams(await nc.jetstreamManager());
  });
  afterAll(async () => {
    await nc?.close();
    await server?.remove();
  });

  it('stores every record of a 10,000-record burst exactly once when NATS restarts in the middle', async () => {
    const publisher = new AuditPublisher(nc.jetstream(), {
      service: 'tenancy',
      ackTimeoutMs: 500,
      outbox: { maxRecords: 20_000, retryDelayMs: 50, maxRetryDelayMs: 500 },
    });
    const total = 10_000;
    let restarted: Promise<void> | null = null;
    const ids: string[] = [];
    for (let i = 0; i < total; i += 100) {
      if (i === total / 2) restarted = server.restart();
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, total - i) }, (_, j) => publisher.record({ ...write, requestId: `req-${i + j}` })),
      );
      ids.push(...batch.map((record) => record.id));
    }
    await restarted;
    await publisher.flush(60_000);
    const stored = await storedIds(await nc.jetstreamManager(), 'CUBE_AUDIT');
    expect(stored.length).toBe(total);
    expect(new Set(stored)).toEqual(new Set(ids));
    publisher.close();
  }, 120_000);

  it('refuses a record with UNAVAILABLE once the outbox is full, never dropping one silently', async () => {
    const publisher = new AuditPublisher(nc.jetstream(), {
      service: 'tenancy',
      ackTimeoutMs: 200,
      outbox: { maxRecords: 2, retryDelayMs: 50 },
    });
    await server.stop();
    try {
      await publisher.record(write);
      await publisher.record(write);
      expect(publisher.pending).toBe(2);
      const error = await publisher.record(write).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CubeError);
      expect((error as CubeError).code).toBe('UNAVAILABLE');
    } finally {
      await server.restart();
    }
    await publisher.flush(30_000);
    expect(publisher.pending).toBe(0);
    publisher.close();
  }, 60_000);
});
