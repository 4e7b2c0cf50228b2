import { connect, JetStreamManager, JSONCodec, NatsConnection } from 'nats';
import { CubeError, CubeEvent } from '@cube/contracts';
import { ensureStreams } from './cube-streams';
import { EventPublisher } from './event-publisher';
import { deleteStreams, isolatedStreams, NATS_URL } from './isolated-streams.testing';

const actor = { kind: 'user' as const, name: 'alice', groups: ['platform-admins'] };

describe('EventPublisher on the real NATS', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let publisher: EventPublisher;
  const streams = isolatedStreams();

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
    await ensureStreams(jsm, streams);
    publisher = new EventPublisher(nc.jetstream(), { service: 'identity', streams });
  });
  afterAll(async () => {
    await deleteStreams(jsm, streams.eventsStream, streams.auditStream);
    await nc.close();
  });

  it('stores the event on cube.events.<service>.<entity>.<event> with the envelope subscribers read', async () => {
    const event = await publisher.publish({
      entityKind: 'user',
      event: 'created',
      actor,
      entity: { kind: 'User', name: 'bob' },
      version: 1,
      data: { email: 'bob@example.com' },
    });

    expect(event).toMatchObject({
      type: 'identity.user.created',
      version: 1,
      actor,
      entity: { kind: 'User', name: 'bob' },
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(event.at).toISOString()).toBe(event.at);
    const stored = await jsm.streams.getMessage(streams.eventsStream, {
      last_by_subj: `${streams.eventsSubjectPrefix}.identity.user.created`,
    });
    expect(JSONCodec<CubeEvent>().decode(stored.data)).toEqual(event);
    expect(stored.header.get('Nats-Msg-Id')).toBe(event.id);
  });

  it('accepts the type whole and stores a retried publish with the same id once', async () => {
    const input = {
      type: 'tenancy.namespace.created',
      actor,
      entity: { kind: 'Namespace', name: 'ns-1' },
      version: 3,
      data: {},
    };
    const first = await publisher.publish(input);
    await publisher.publish({ ...input, id: first.id });
    const subject = `${streams.eventsSubjectPrefix}.tenancy.namespace.created`;
    const info = await jsm.streams.info(streams.eventsStream, { subjects_filter: subject });
    expect(info.state.subjects).toEqual({ [subject]: 1 });
  });

  it('refuses an event type that is not three subject tokens', async () => {
    const error = await publisher
      .publish({ type: 'identity.user', actor, entity: { kind: 'User', name: 'x' }, version: 1, data: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeError);
    expect((error as CubeError).message).toBe('event type "identity.user" is not <service>.<entity>.<event>');
  });

  it('turns a publish no stream stores into UNAVAILABLE naming the subject', async () => {
    const nowhere = new EventPublisher(nc.jetstream(), {
      service: 'identity',
      streams: { eventsStream: 'NO_SUCH_STREAM', eventsSubjectPrefix: `${streams.eventsSubjectPrefix}-unbound` },
      ackTimeoutMs: 1000,
    });
    const error = await nowhere
      .publish({
        entityKind: 'user',
        event: 'deleted',
        actor,
        entity: { kind: 'User', name: 'bob' },
        version: 2,
        data: {},
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeError);
    expect((error as CubeError).code).toBe('UNAVAILABLE');
    expect((error as CubeError).message).toMatch(
      new RegExp(`^JetStream did not store ${streams.eventsSubjectPrefix}-unbound\\.identity\\.user\\.deleted in stream NO_SUCH_STREAM: `),
    );
  });
});
