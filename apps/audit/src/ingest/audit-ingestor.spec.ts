import { randomBytes } from 'node:crypto';
import { AckPolicy, connect, DeliverPolicy, JetStreamManager, JSONCodec, NatsConnection, RetentionPolicy, StorageType } from 'nats';
import { AuditRecord } from '@cube/contracts';
import { AUDIT_CONSUMER, AuditIngestor } from './audit-ingestor';
import { AuditPublisher, ensureStreams, JetStreamModuleOptions } from '@cube/messaging';
import { AuditEnvironment } from '../audit-environment';
import { UnchainedEntry } from '../records/audit-chain';
import { AuditStore } from '../store/audit-store';
import { until } from '@cube/messaging/testing';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const codec = JSONCodec<AuditRecord>();

/** Keeps what the ingestor appends, in order; ids already kept are skipped as the real stores do. */
class RecordingStore implements AuditStore {
  readonly entries: UnchainedEntry[] = [];
  init(): Promise<void> {
    return Promise.resolve();
  }
  async append(entries: UnchainedEntry[]): Promise<number> {
    const fresh = entries.filter((entry) => !this.entries.some((kept) => kept.id === entry.id));
    this.entries.push(...fresh);
    return fresh.length;
  }
  query(): never {
    throw new Error('not used');
  }
  verify(): never {
    throw new Error('not used');
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const record = (id: string, action: string): AuditRecord => ({
  id,
  at: new Date().toISOString(),
  source: 'platform',
  service: 'tenancy',
  requestId: id,
  actor: { kind: 'user', name: 'alice', groups: [] },
  action,
  target: { kind: 'Tenant', name: 'acme' },
  outcome: 'success',
});

describe('AuditIngestor on a CUBE_AUDIT stream made by an earlier Cube (cube.audit.records.<service>)', () => {
  const tag = `t${randomBytes(5).toString('hex')}`;
  const streams = {
    eventsStream: `${tag.toUpperCase()}_CUBE_EVENTS`,
    eventsSubjectPrefix: `${tag}.cube.events`,
    auditStream: `${tag.toUpperCase()}_CUBE_AUDIT`,
    auditSubjectPrefix: `${tag}.cube.audit`,
  };
  const legacySubject = `${tag}.cube.audit.records.tenancy`;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let ingestor: AuditIngestor | undefined;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
  });
  afterAll(async () => {
    await ingestor?.beforeApplicationShutdown();
    for (const name of [streams.eventsStream, streams.auditStream]) await jsm.streams.delete(name).catch(() => undefined);
    await nc.close();
  });

  it('moves the stream to cube.audit.* in place and goes on from where its durable consumer was', async () => {
    // The stream and consumer as the previous version made them, with one record already ingested.
    await jsm.streams.add({
      name: streams.auditStream,
      subjects: [`${tag}.cube.audit.records.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      deny_delete: true,
      deny_purge: true,
    });
    const js = nc.jetstream();
    for (const id of ['old-1', 'old-2', 'old-3']) await js.publish(legacySubject, codec.encode(record(id, 'tenant.create')), { msgID: id });
    await jsm.consumers.add(streams.auditStream, {
      durable_name: AUDIT_CONSUMER,
      filter_subject: `${tag}.cube.audit.records.>`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
    });
    const consumer = await js.consumers.get(streams.auditStream, AUDIT_CONSUMER);
    const first = await consumer.next({ expires: 2000 });
    expect(first?.subject).toBe(legacySubject);
    await first?.ackAck();

    // This version starts: streams ensured, then the ingestor, then a record on the new subject.
    await ensureStreams(jsm, streams);
    expect((await jsm.streams.info(streams.auditStream)).config.subjects).toEqual([`${tag}.cube.audit.*`]);
    const store = new RecordingStore();
    const options: JetStreamModuleOptions = { natsUrl: NATS_URL, service: 'audit', streams };
    ingestor = new AuditIngestor(nc, options, store, { AUDIT_BATCH_SIZE: 100 } as AuditEnvironment);
    await ingestor.onApplicationBootstrap();
    const publisher = new AuditPublisher(js, { service: 'tenancy', streams });
    await publisher.record(record('new-1', 'project.create'));

    await until('the two records not yet ingested and the new one', () => store.entries.length >= 3);
    expect(store.entries.map((entry) => entry.id)).toEqual(['old-2', 'old-3', 'new-1']);
    const stream = await jsm.streams.info(streams.auditStream, { subjects_filter: '>' });
    expect(stream.state.messages).toBe(4);
    expect(stream.state.subjects).toEqual({ [legacySubject]: 3, [`${tag}.cube.audit.cube`]: 1 });
    const info = await jsm.consumers.info(streams.auditStream, AUDIT_CONSUMER);
    expect(info.config.filter_subject).toBeFalsy();
    expect(info.num_pending).toBe(0);
  });
});
