import { Injectable, Module } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { connect, JetStreamManager, NatsConnection } from 'nats';
import { CubeError, CubeEvent } from '@cube/contracts';
import { AuditPublisher } from './audit-publisher';
import { desiredStateBucket } from './desired-state-store';
import { EventPublisher } from './event-publisher';
import { Collected, deleteStreams, isolatedStreams, NATS_URL, randomClusterId } from './isolated-streams.testing';
import { DesiredStateStores, DurableSubscribers, JETSTREAM_CONNECTION, JetStreamModule } from './jetstream.module';

const actor = { kind: 'system' as const, name: 'spec' };

/** A feature module that injects the publisher without importing JetStreamModule: it is global. */
@Injectable()
class NamespaceEvents {
  constructor(readonly events: EventPublisher) {}
}
@Module({ providers: [NamespaceEvents] })
class NamespacesModule {}

describe('JetStreamModule', () => {
  let admin: NatsConnection;
  let jsm: JetStreamManager;
  const streams = isolatedStreams();
  const clusterId = randomClusterId();
  let app: TestingModule;

  beforeAll(async () => {
    admin = await connect({ servers: NATS_URL });
    jsm = await admin.jetstreamManager();
    app = await Test.createTestingModule({
      imports: [JetStreamModule.forRoot({ natsUrl: NATS_URL, service: 'tenancy', streams }), NamespacesModule],
    }).compile();
  });
  afterAll(async () => {
    await app.close();
    await deleteStreams(jsm, streams.eventsStream, streams.auditStream, `KV_${desiredStateBucket(clusterId)}`);
    await admin.close();
  });

  it('ensures both streams when the application starts', async () => {
    expect((await jsm.streams.info(streams.eventsStream)).config.subjects).toEqual([`${streams.eventsSubjectPrefix}.>`]);
    expect((await jsm.streams.info(streams.auditStream)).config.subjects).toEqual([`${streams.auditSubjectPrefix}.*`]);
  });

  it('gives feature modules an event publisher for the service, and subscribers on the events stream', async () => {
    const subscriber = app.get(DurableSubscribers).create<CubeEvent>({
      durableName: 'module-spec',
      filterSubjects: `${streams.eventsSubjectPrefix}.tenancy.>`,
    });
    const received = new Collected<CubeEvent>();
    await subscriber.start(async (event) => received.push(event));

    const published = await app.get(NamespaceEvents).events.publish({
      entityKind: 'namespace',
      event: 'created',
      actor,
      entity: { kind: 'Namespace', name: 'team-a' },
      version: 1,
      data: {},
    });
    expect(published.type).toBe('tenancy.namespace.created');
    expect(await received.next(1)).toEqual([published]);
  });

  it('gives an audit publisher for the service', async () => {
    const record = await app.get(AuditPublisher).record({
      source: 'platform',
      requestId: 'r-1',
      actor,
      action: 'namespace.create',
      target: { kind: 'Namespace', name: 'team-a' },
      outcome: 'success',
    });
    const stored = await jsm.streams.getMessage(streams.auditStream, {
      last_by_subj: `${streams.auditSubjectPrefix}.cube`,
    });
    expect(stored.header.get('Nats-Msg-Id')).toBe(record.id);
  });

  it('opens one desired state store per cluster', async () => {
    const stores = app.get(DesiredStateStores);
    const store = await stores.open<{ cpu: string }>(clusterId);
    expect(await stores.open(clusterId)).toBe(store);
    const revision = await store.put('quota.acme', { cpu: '2' });
    expect(await store.get('quota.acme')).toEqual({ value: { cpu: '2' }, revision });
  });

  it('fails to start with UNAVAILABLE when NATS is not reachable', async () => {
    const starting = Test.createTestingModule({
      imports: [JetStreamModule.forRoot({ natsUrl: 'nats://127.0.0.1:1', service: 'tenancy', streams })],
    }).compile();
    const error = await starting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeError);
    expect((error as CubeError).message).toMatch(/^NATS at nats:\/\/127\.0\.0\.1:1 is not reachable: /);
  });

  it('drains its connection when the application shuts down', async () => {
    const own = await Test.createTestingModule({
      imports: [JetStreamModule.forRoot({ natsUrl: NATS_URL, service: 'identity', streams })],
    }).compile();
    const nc = own.get<NatsConnection>(JETSTREAM_CONNECTION);
    expect(nc.isClosed()).toBe(false);
    await own.close();
    expect(nc.isClosed()).toBe(true);
  });

  it('takes its options from a factory, as from ConfigService', async () => {
    const NATS_SETTINGS = Symbol('NATS_SETTINGS');
    @Module({ providers: [{ provide: NATS_SETTINGS, useValue: { url: NATS_URL } }], exports: [NATS_SETTINGS] })
    class SettingsModule {}

    const configured = await Test.createTestingModule({
      imports: [
        JetStreamModule.forRootAsync({
          imports: [SettingsModule],
          inject: [NATS_SETTINGS],
          useFactory: (settings: { url: string }) => ({ natsUrl: settings.url, service: 'identity', streams }),
        }),
      ],
    }).compile();
    try {
      const event = await configured.get(EventPublisher).publish({
        entityKind: 'user',
        event: 'created',
        actor,
        entity: { kind: 'User', name: 'bob' },
        version: 1,
        data: {},
      });
      expect(event.type).toBe('identity.user.created');
    } finally {
      await configured.close();
    }
  });
});
