import {
  BeforeApplicationShutdown,
  DynamicModule,
  FactoryProvider,
  Global,
  Inject,
  Injectable,
  Module,
  ModuleMetadata,
  OnApplicationShutdown,
  Provider,
} from '@nestjs/common';
import { connect, NatsConnection } from 'nats';
import { CubeError } from '@cube/contracts';
import { NatsAuthOptions } from '../nats-credentials';
import { AuditOutboxOptions, AuditPublisher } from './audit-publisher';
import { CubeStreamsOptions, ensureStreams, resolveCubeStreams } from './cube-streams';
import { DesiredStateStore, DesiredStateStoreOptions, desiredStateBucket, destroyBucket } from './desired-state-store';
import { DurableSubscriber, DurableSubscriberOptions } from './durable-subscriber';
import { EventPublisher } from './event-publisher';

export interface JetStreamModuleOptions {
  natsUrl: string | string[];
  /** The process's NATS credentials (`natsAuthOptions`); none by default. */
  auth?: NatsAuthOptions;
  /** The service this process is: owner of the events and audit records it publishes. */
  service: string;
  streams?: CubeStreamsOptions;
  ackTimeoutMs?: number;
  /** The audit publisher's outbox; 10,000 records by default (see `AuditOutboxOptions`). */
  auditOutbox?: AuditOutboxOptions;
  desiredState?: DesiredStateStoreOptions;
}

/** The module's own NATS connection, apart from Nest's transport, so it can drain after everything else stopped. */
export const JETSTREAM_CONNECTION = Symbol('JETSTREAM_CONNECTION');
export const JETSTREAM_OPTIONS = Symbol('JETSTREAM_OPTIONS');

/** Opens the desired state store of a member cluster, one per cluster for the life of the process. */
@Injectable()
export class DesiredStateStores {
  private readonly stores = new Map<string, Promise<DesiredStateStore<unknown>>>();

  constructor(
    @Inject(JETSTREAM_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM_OPTIONS) private readonly options: JetStreamModuleOptions,
  ) {}

  open<TValue = unknown>(clusterId: string): Promise<DesiredStateStore<TValue>> {
    let store = this.stores.get(clusterId);
    if (!store) {
      store = DesiredStateStore.open<unknown>(this.nc.jetstream(), clusterId, this.options.desiredState);
      // A failed open must not stick: the next call tries again.
      store.catch(() => this.stores.delete(clusterId));
      this.stores.set(clusterId, store);
    }
    return store as Promise<DesiredStateStore<TValue>>;
  }

  /**
   * Forgets the store opened for `clusterId` (its bucket was or is about to be deleted): the next
   * `open` creates the bucket again instead of writing through a handle to a stream that is gone.
   */
  forget(clusterId: string): void {
    this.stores.delete(clusterId);
  }

  /** Deletes the cluster's bucket, every key with it (the cluster was unregistered), and forgets its store. */
  async remove(clusterId: string): Promise<void> {
    this.forget(clusterId);
    await destroyBucket(this.nc.jetstream(), desiredStateBucket(clusterId));
  }
}

/** Makes durable subscribers on the module's connection (events stream by default) and stops them on shutdown. */
@Injectable()
export class DurableSubscribers {
  private readonly created: DurableSubscriber<{ id?: string }>[] = [];

  constructor(
    @Inject(JETSTREAM_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM_OPTIONS) private readonly options: JetStreamModuleOptions,
  ) {}

  create<TEvent extends { id?: string }>(
    options: Omit<DurableSubscriberOptions, 'stream'> & { stream?: string },
  ): DurableSubscriber<TEvent> {
    const stream = options.stream ?? resolveCubeStreams(this.options.streams).eventsStream;
    const subscriber = new DurableSubscriber<TEvent>(this.nc, { ...options, stream });
    this.created.push(subscriber as DurableSubscriber<{ id?: string }>);
    return subscriber;
  }

  /** Durable consumers this process reads by other means than a DurableSubscriber (audit's batch ingestor). */
  private readonly otherConsumers = new Map<string, { stream: string; consumer: string }>();

  /** Reports the lag of a durable consumer this process reads itself, beside its subscribers'. */
  reportLagOf(stream: string, consumer: string): void {
    this.otherConsumers.set(`${stream}/${consumer}`, { stream, consumer });
  }

  /** Lag of every started durable consumer of this process (`num_pending`, `num_ack_pending`). */
  async lag(): Promise<{ stream: string; consumer: string; pending: number; ackPending: number }[]> {
    const consumers = [
      ...this.created.filter((subscriber) => subscriber.started).map((s) => ({ stream: s.stream, consumer: s.durableName })),
      ...this.otherConsumers.values(),
    ];
    if (consumers.length === 0) return [];
    const jsm = await this.nc.jetstreamManager();
    const lags = await Promise.allSettled(
      consumers.map(async ({ stream, consumer }) => {
        const info = await jsm.consumers.info(stream, consumer);
        return { stream, consumer, pending: info.num_pending, ackPending: info.num_ack_pending };
      }),
    );
    // A consumer the server cannot describe right now is left out; the others are still reported.
    return lags.flatMap((lag) => (lag.status === 'fulfilled' ? [lag.value] : []));
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.created.splice(0).map((subscriber) => subscriber.stop()));
  }
}

/**
 * Shuts down in two steps: subscribers drain before any module goes away (their handlers may use
 * it), the connection drains last, so publishes made during other modules' shutdown still leave.
 */
@Injectable()
class JetStreamShutdown implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(JETSTREAM_CONNECTION) private readonly nc: NatsConnection,
    private readonly subscribers: DurableSubscribers,
    private readonly audit: AuditPublisher,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscribers.stopAll();
  }

  async onApplicationShutdown(): Promise<void> {
    // Audit records still in the outbox get a bounded chance to reach the stream before the connection goes.
    await this.audit.flush(5000).catch(() => undefined);
    this.audit.close();
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}

async function connectJetStream(options: JetStreamModuleOptions): Promise<NatsConnection> {
  // Never give up reconnecting: Warden in particular must come back after any control-plane outage.
  const nc = await connect({
    ...options.auth,
    servers: options.natsUrl,
    name: `cube-${options.service}-jetstream`,
    maxReconnectAttempts: -1,
  }).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CubeError('UNAVAILABLE', `NATS at ${String(options.natsUrl)} is not reachable: ${reason}`, {
      service: options.service,
    });
  });
  try {
    await ensureStreams(await nc.jetstreamManager(), options.streams);
    return nc;
  } catch (error: unknown) {
    await nc.close();
    throw error;
  }
}

/** For options that come from configuration (`ConfigService`) rather than literals. */
export interface JetStreamModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: FactoryProvider<JetStreamModuleOptions>['useFactory'];
}

/**
 * JetStream for a Cube service: one connection, the streams ensured at start, and the publishers,
 * subscribers and desired state stores every feature module can inject.
 */
@Global()
@Module({})
export class JetStreamModule {
  static forRoot(options: JetStreamModuleOptions): DynamicModule {
    return JetStreamModule.withOptions({ provide: JETSTREAM_OPTIONS, useValue: options });
  }

  static forRootAsync(options: JetStreamModuleAsyncOptions): DynamicModule {
    return {
      ...JetStreamModule.withOptions({
        provide: JETSTREAM_OPTIONS,
        inject: options.inject ?? [],
        useFactory: options.useFactory,
      }),
      imports: options.imports ?? [],
    };
  }

  private static withOptions(optionsProvider: Provider<JetStreamModuleOptions>): DynamicModule {
    return {
      module: JetStreamModule,
      providers: [
        optionsProvider,
        {
          provide: JETSTREAM_CONNECTION,
          inject: [JETSTREAM_OPTIONS],
          useFactory: (options: JetStreamModuleOptions) => connectJetStream(options),
        },
        {
          provide: EventPublisher,
          inject: [JETSTREAM_CONNECTION, JETSTREAM_OPTIONS],
          useFactory: (nc: NatsConnection, options: JetStreamModuleOptions) => new EventPublisher(nc.jetstream(), options),
        },
        {
          provide: AuditPublisher,
          inject: [JETSTREAM_CONNECTION, JETSTREAM_OPTIONS],
          useFactory: (nc: NatsConnection, options: JetStreamModuleOptions) =>
            new AuditPublisher(nc.jetstream(), { ...options, outbox: { maxRecords: 10_000, ...options.auditOutbox } }),
        },
        DesiredStateStores,
        DurableSubscribers,
        JetStreamShutdown,
      ],
      exports: [JETSTREAM_CONNECTION, JETSTREAM_OPTIONS, EventPublisher, AuditPublisher, DesiredStateStores, DurableSubscribers],
    };
  }
}
