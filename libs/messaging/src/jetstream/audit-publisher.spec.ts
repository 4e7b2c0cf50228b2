import { connect, JetStreamClient, JetStreamManager, JSONCodec, NatsConnection } from 'nats';
import { AuditRecord, CubeError } from '@cube/contracts';
import { AuditPublisher } from './audit-publisher';
import { ensureStreams } from './cube-streams';
import { deleteStreams, isolatedStreams, NATS_URL } from './isolated-streams.testing';

describe('AuditPublisher on the real NATS', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let publisher: AuditPublisher;
  const streams = isolatedStreams();
  const write = {
    source: 'platform' as const,
    requestId: 'req-1',
    actor: { kind: 'user' as const, name: 'alice', groups: [] },
    action: 'tenant.create',
    target: { kind: 'Tenant', name: 'acme' },
    outcome: 'success' as const,
  };

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
    await ensureStreams(jsm, streams);
    publisher = new AuditPublisher(nc.jetstream(), { service: 'tenancy', streams });
  });
  afterAll(async () => {
    await deleteStreams(jsm, streams.eventsStream, streams.auditStream);
    await nc.close();
  });

  it('keeps at most its window of publishes awaiting a PubAck, and stores every record of a burst', async () => {
    const js = nc.jetstream();
    let outstanding = 0;
    let most = 0;
    // The client as the publisher sees it, counting publishes between send and PubAck.
    const counting = new Proxy(js, {
      get: (target, property, receiver) =>
        property === 'publish'
          ? async (...args: Parameters<JetStreamClient['publish']>) => {
              outstanding += 1;
              most = Math.max(most, outstanding);
              try {
                return await target.publish(...args);
              } finally {
                outstanding -= 1;
              }
            }
          : Reflect.get(target, property, receiver),
    });
    const windowed = new AuditPublisher(counting, { service: 'tenancy', streams, window: 8 });
    const before = (await jsm.streams.info(streams.auditStream)).state.messages;
    const records = await Promise.all(Array.from({ length: 100 }, (_, i) => windowed.record({ ...write, requestId: `burst-${i}` })));
    expect(new Set(records.map((r) => r.id)).size).toBe(100);
    expect(most).toBe(8);
    expect((await jsm.streams.info(streams.auditStream)).state.messages).toBe(before + 100);
  });

  it('has the record stored on cube.audit.<source> by the time record() resolves', async () => {
    const record = await publisher.record(write);
    expect(record).toMatchObject({ ...write, service: 'tenancy' });
    const stored = await jsm.streams.getMessage(streams.auditStream, {
      last_by_subj: `${streams.auditSubjectPrefix}.cube`,
    });
    expect(JSONCodec<AuditRecord>().decode(stored.data)).toEqual(record);
    expect(stored.header.get('Nats-Msg-Id')).toBe(record.id);
    const native = await publisher.record({ ...write, source: 'kubernetes', action: 'create' });
    const storedNative = await jsm.streams.getMessage(streams.auditStream, {
      last_by_subj: `${streams.auditSubjectPrefix}.kubernetes`,
    });
    expect(JSONCodec<AuditRecord>().decode(storedNative.data)).toEqual(native);
  });

  it("leaves the audit service's four-token request subjects outside the stream", async () => {
    const before = (await jsm.streams.info(streams.auditStream)).state.messages;
    // Nobody serves this subject here: a stream capturing it would answer with a PubAck instead.
    const error = await nc.request(`${streams.auditSubjectPrefix}.event.list`, undefined, { timeout: 1000 }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('503');
    expect((await jsm.streams.info(streams.auditStream)).state.messages).toBe(before);
  });

  it('keeps a given id and time, and stores a retried record once', async () => {
    const record = {
      ...write,
      id: 'audit-retry-1',
      at: '2026-01-01T00:00:00.000Z',
      service: 'identity',
      outcome: 'failure' as const,
      reason: 'quota',
    };
    const before = (await jsm.streams.info(streams.auditStream)).state.messages;
    expect(await publisher.record(record)).toEqual(record);
    await publisher.record(record);
    expect((await jsm.streams.info(streams.auditStream)).state.messages).toBe(before + 1);
  });

  it('fails with UNAVAILABLE when the audit stream is missing, so the write is not acknowledged', async () => {
    const orphan = new AuditPublisher(nc.jetstream(), {
      service: 'tenancy',
      streams: { auditStream: 'NO_SUCH_AUDIT', auditSubjectPrefix: `${streams.auditSubjectPrefix}-unbound` },
      ackTimeoutMs: 1000,
    });
    const error = await orphan.record(write).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeError);
    expect((error as CubeError).code).toBe('UNAVAILABLE');
  });
});
