import { connect, JetStreamManager, NatsConnection, nanos, RetentionPolicy, StorageType } from 'nats';
import { CubeError } from '@cube/contracts';
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
      subjects: [`${names.auditSubjectPrefix}.*`],
      storage: StorageType.File,
      max_age: 0,
      deny_delete: true,
      deny_purge: true,
    });
  });

  it('is idempotent when several services start at once', async () => {
    const results = await Promise.all([ensureStreams(jsm, names), ensureStreams(jsm, names), ensureStreams(jsm, names)]);
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

  it('refuses to adopt a stream of the same name kept in memory, which would lose events on restart', async () => {
    const other = isolatedStreams();
    await jsm.streams.add({
      name: other.eventsStream,
      subjects: [`${other.eventsSubjectPrefix}.>`],
      storage: StorageType.Memory,
    });
    try {
      const error = await ensureStreams(jsm, other).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CubeError);
      expect((error as CubeError).message).toBe(
        `JetStream stream ${other.eventsStream} exists with memory storage and limits retention; ` +
          'Cube needs file storage and limits retention: move its messages and delete it',
      );
    } finally {
      await deleteStreams(jsm, other.eventsStream, other.auditStream);
    }
  });

  it('reports a lost connection as UNAVAILABLE naming the stream', async () => {
    const closed = await connect({ servers: NATS_URL });
    const closedJsm = await closed.jetstreamManager();
    await closed.close();
    const error = await ensureStreams(closedJsm, isolatedStreams()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeError);
    expect((error as CubeError).code).toBe('UNAVAILABLE');
    expect((error as CubeError).message).toMatch(/^could not set up JetStream stream T[0-9A-F]+_CUBE_EVENTS: /);
  });
});
