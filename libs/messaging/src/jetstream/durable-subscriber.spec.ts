import { Logger } from '@nestjs/common';
import { connect, JetStreamManager, JSONCodec, NatsConnection } from 'nats';
import { CubeEvent } from '@cube/contracts';
import { ensureStreams } from './cube-streams';
import { DeliveryMeta, DurableSubscriber } from './durable-subscriber';
import { EventPublisher } from './event-publisher';
import { Collected, deleteStreams, isolatedStreams, NATS_URL } from './isolated-streams.testing';
import { RecentEventIds } from './recent-event-ids';

const actor = { kind: 'system' as const, name: 'spec' };

describe('DurableSubscriber on the real NATS', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let publisher: EventPublisher;
  const streams = isolatedStreams();
  const subscribers: DurableSubscriber[] = [];

  const publishNamespace = (name: string) =>
    publisher.publish({
      entityKind: 'namespace',
      event: 'created',
      actor,
      entity: { kind: 'Namespace', name },
      version: 1,
      data: {},
    });
  const subscriber = (durableName: string, options: Partial<ConstructorParameters<typeof DurableSubscriber>[1]> = {}) => {
    const created = new DurableSubscriber(nc, {
      stream: streams.eventsStream,
      durableName,
      filterSubjects: `${streams.eventsSubjectPrefix}.tenancy.namespace.>`,
      redeliveryDelayMs: 50,
      ...options,
    });
    subscribers.push(created);
    return created;
  };

  beforeAll(async () => {
    // The failures below are on purpose; their warnings would only bury real output.
    Logger.overrideLogger(false);
    nc = await connect({ servers: NATS_URL });
    jsm = await nc.jetstreamManager();
    await ensureStreams(jsm, streams);
    publisher = new EventPublisher(nc.jetstream(), { service: 'tenancy', streams });
  });
  afterEach(async () => {
    await Promise.all(subscribers.splice(0).map((s) => s.stop()));
    await jsm.streams.purge(streams.eventsStream);
  });
  afterAll(async () => {
    await deleteStreams(jsm, streams.eventsStream, streams.auditStream);
    await nc.close();
  });

  it('resumes a durable consumer after a restart where it left, losing and repeating nothing', async () => {
    const before = await Promise.all(['a', 'b', 'c'].map(publishNamespace));
    const first = new Collected<CubeEvent>();
    const warden = subscriber('restart');
    await warden.start(async (event) => first.push(event));
    expect((await first.next(3)).map((e) => e.id)).toEqual(before.map((e) => e.id));
    await warden.stop();

    const whileDown = [await publishNamespace('d'), await publishNamespace('e')];
    const second = new Collected<CubeEvent>();
    const restarted = subscriber('restart');
    await restarted.start(async (event) => second.push(event));
    expect((await second.next(2)).map((e) => e.id)).toEqual(whileDown.map((e) => e.id));

    // Stopping waits for the acks to be confirmed, so the consumer state below is settled.
    await restarted.stop();
    const info = await jsm.consumers.info(streams.eventsStream, 'restart');
    expect(info.num_pending).toBe(0);
    expect(info.delivered.stream_seq).toBe(info.ack_floor.stream_seq);
  });

  it('drains on stop: handles what it pulled ahead, and a restart starts after it', async () => {
    const published = await Promise.all(['p1', 'p2', 'p3', 'p4'].map(publishNamespace));
    let releaseFirst = (): void => undefined;
    const firstReleased = new Promise<void>((resolve) => (releaseFirst = resolve));
    const inHand = new Collected<string>();
    const handledBefore: string[] = [];
    const draining = subscriber('drain', { batchSize: 10 });
    await draining.start(async (event) => {
      inHand.push(event.id);
      await firstReleased;
      handledBefore.push(event.id);
    });
    await inHand.next(1);
    // All four are with this subscriber (the consumer info reply follows them on the connection).
    expect((await jsm.consumers.info(streams.eventsStream, 'drain')).num_ack_pending).toBe(4);
    const stopped = draining.stop();
    releaseFirst();
    await stopped;
    expect(handledBefore).toEqual(published.map((e) => e.id));
    expect((await jsm.consumers.info(streams.eventsStream, 'drain')).num_ack_pending).toBe(0);

    const later = await publishNamespace('p5');
    const after = new Collected<string>();
    await subscriber('drain').start(async (event) => after.push(event.id));
    expect(await after.next(1)).toEqual([later.id]);
  });

  it('lets two instances start the same durable at once and share its events, each handled once', async () => {
    const published = await Promise.all(['s1', 's2', 's3', 's4', 's5', 's6'].map(publishNamespace));
    const handled = new Collected<string>();
    const instances = [subscriber('shared', { batchSize: 1 }), subscriber('shared', { batchSize: 1 })];
    await Promise.all(instances.map((s) => s.start(async (event) => handled.push(event.id))));
    await handled.next(6);
    await Promise.all(instances.map((s) => s.stop()));
    expect([...handled.items].sort()).toEqual(published.map((e) => e.id).sort());
    const info = await jsm.consumers.info(streams.eventsStream, 'shared');
    expect(info.num_pending + info.num_ack_pending).toBe(0);
  });

  it('delivers an event again after its handler failed, flagged as a redelivery', async () => {
    const published = await publishNamespace('flaky');
    const deliveries = new Collected<DeliveryMeta>();
    await subscriber('retry').start(async (event, meta) => {
      expect(event.id).toBe(published.id);
      deliveries.push(meta);
      if (meta.deliveryCount === 1) throw new Error('kube-apiserver not reachable');
    });
    const [failed, retried] = await deliveries.next(2);
    expect(failed).toMatchObject({ deliveryCount: 1, redelivered: false, lastAttempt: false });
    expect(retried).toMatchObject({ deliveryCount: 2, redelivered: true, streamSequence: failed?.streamSequence });
  });

  it('gives up on an event after max deliver attempts and goes on with the next', async () => {
    const poison = await publishNamespace('poison');
    const healthy = await publishNamespace('healthy');
    const attempts = new Collected<[string, DeliveryMeta]>();
    const handled = new Collected<string>();
    await subscriber('give-up', { maxDeliver: 2 }).start(async (event, meta) => {
      attempts.push([event.id, meta]);
      if (event.id === poison.id) throw new Error('always fails');
      handled.push(event.id);
    });
    expect(await handled.next(1)).toEqual([healthy.id]);
    const poisonAttempts = (await attempts.next(3)).filter(([id]) => id === poison.id).map(([, meta]) => meta);
    expect(poisonAttempts.map((meta) => [meta.deliveryCount, meta.lastAttempt])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('takes a message that is not an event out of delivery and goes on with the next', async () => {
    const js = nc.jetstream();
    const subject = `${streams.eventsSubjectPrefix}.tenancy.namespace.created`;
    await js.publish(subject, new TextEncoder().encode('not json'));
    await js.publish(subject, new TextEncoder().encode('null'));
    const valid = await publishNamespace('valid');
    const handled = new Collected<string>();
    const garbage = subscriber('garbage');
    await garbage.start(async (event) => handled.push(event.id));
    expect(await handled.next(1)).toEqual([valid.id]);
    await garbage.stop();
    const info = await jsm.consumers.info(streams.eventsStream, 'garbage');
    expect(info.num_pending + info.num_ack_pending + info.num_redelivered).toBe(0);
  });

  it('skips an event id it handled recently, acknowledging it without calling the handler', async () => {
    const event: CubeEvent = {
      id: 'evt-duplicate',
      type: 'tenancy.namespace.created',
      at: new Date().toISOString(),
      actor,
      entity: { kind: 'Namespace', name: 'twice' },
      version: 1,
      data: {},
    };
    const js = nc.jetstream();
    const subject = `${streams.eventsSubjectPrefix}.tenancy.namespace.created`;
    // Published without msgID, as a publisher retrying after the duplicate window would.
    await js.publish(subject, JSONCodec().encode(event));
    await js.publish(subject, JSONCodec().encode(event));
    const marker = await publishNamespace('after');

    const handled = new Collected<string>();
    await subscriber('dedup', { recentIds: new RecentEventIds(100) }).start(async (e) => handled.push(e.id));
    await handled.next(2);
    expect(handled.items).toEqual(['evt-duplicate', marker.id]);
  });
});
