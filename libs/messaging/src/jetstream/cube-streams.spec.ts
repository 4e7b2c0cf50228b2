import { connect, JetStreamManager, NatsConnection, nanos, RetentionPolicy, StorageType } from 'nats';
import { ensureStreams } from './cube-streams';
import { deleteStreams, isolatedStreams, NATS_URL } from './isolated-streams.testing';

describe('ensureStreams on the real NATS', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const names = isolatedStreams();

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
  });
  afterAll(async () => {
    await deleteStreams(jsm, names.eventsStream, names.auditStream);
    await nc.close();
  });

  it('creates the events stream with file storage, 30 days of history and a 2 minute duplicate window', async () => {
    const { events } = await ensureStreams(jsm, names);
    expect(events.config).toMatchObject({
      name: names.eventsStream,
      subjects: [`${names.eventsSubjectPrefix}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(30 * 24 * 60 * 60 * 1000),
      duplicate_window: nanos(2 * 60 * 1000),
    });
  });

  it('creates the audit stream without a max age, so no audit record ages out', async () => {
    const { audit } = await ensureStreams(jsm, names);
    expect(audit.config).toMatchObject({
      name: names.auditStream,
      subjects: [`${names.auditSubjectPrefix}.>`],
      storage: StorageType.File,
      max_age: 0,
      deny_delete: true,
      deny_purge: true,
    });
  });

  it('is idempotent when several services start at once', async () => {
    const results = await Promise.all([
      ensureStreams(jsm, names),
      ensureStreams(jsm, names),
      ensureStreams(jsm, names),
    ]);
    expect(new Set(results.map((r) => r.events.created.toString())).size).toBe(1);
    const streams = await jsm.streams.names(`${names.eventsSubjectPrefix}.>`).next();
    expect(streams).toEqual([names.eventsStream]);
  });

  it('updates an existing stream whose limits changed, keeping its messages', async () => {
    const js = nc.jetstream();
    await js.publish(`${names.eventsSubjectPrefix}.identity.user.created`, new Uint8Array());
    const { events } = await ensureStreams(jsm, { ...names, eventsMaxAgeMs: 7 * 24 * 60 * 60 * 1000 });
    expect(events.config.max_age).toBe(nanos(7 * 24 * 60 * 60 * 1000));
    expect(events.state.messages).toBe(1);
  });
});
