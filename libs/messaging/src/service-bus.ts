import { randomUUID } from 'node:crypto';
import { DynamicModule, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ClientNats, NatsOptions } from '@nestjs/microservices';
import { NatsConnection } from 'nats';
import { BusReply, BusRequest, BusSubject, Envelope } from '@cube/contracts';
import { natsAuthOptions, NatsAuthOptions, NatsCredentialsEnvironment } from './nats-credentials';
import { ServiceRequester } from './service-requester';

/** What the bus reads of a process's environment (every Cube environment has both). */
export interface ServiceBusEnvironment extends NatsCredentialsEnvironment {
  /** One URL or several, comma-separated. */
  NATS_URL: string;
  /** The deadline of a request unless the caller gives its own; past it the answer is UNAVAILABLE (503). */
  CUBE_REQUEST_TIMEOUT_MS: number;
}

/** The token the bus reads its environment from: CubeServiceModule provides it, the gateway too. */
export const SERVICE_BUS_ENVIRONMENT = Symbol('SERVICE_BUS_ENVIRONMENT');

export interface ServiceBusOptions {
  /** The process: names its NATS connection (`cube-<service>`) and its system actor. */
  service: string;
  servers: string[];
  requestTimeoutMs: number;
  /** The process's NATS credentials (`natsAuthOptions`); none by default. */
  auth?: NatsAuthOptions;
  /** Pause between attempts while NATS cannot be reached at start; 500 ms by default. */
  connectRetryMs?: number;
}

export interface SystemRequestOptions {
  /** The request's deadline, when it differs from the process default. */
  timeoutMs?: number;
  /** Carried through for log correlation; a fresh id by default. */
  requestId?: string;
}

type ConnectionUser = (connection: NatsConnection) => void | Promise<void>;

/**
 * The process's one NATS client for talking to other services: Nest's ClientNats (so requests speak
 * Nest's wire format through Nest, never by hand) behind a `ServiceRequester` with a deadline, and
 * the same connection lent to code that subscribes or publishes itself (`onConnection`).
 *
 * NATS down at start does not stop the process: the bus keeps connecting in the background, and code
 * registered with `onConnection` runs once it is connected. Once connected, the client reconnects by
 * itself and its subscriptions come back with it. Until then a request fails at once with UNAVAILABLE.
 */
export class ServiceBus {
  readonly client: ClientNats;
  readonly requester: ServiceRequester;
  private readonly logger = new Logger(ServiceBus.name);
  private readonly users: ConnectionUser[] = [];
  private connection: NatsConnection | undefined;
  private connecting: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: ServiceBusOptions) {
    const natsOptions: NatsOptions['options'] = {
      ...options.auth,
      servers: options.servers,
      name: `cube-${options.service}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    };
    this.client = new ClientNats(natsOptions);
    this.requester = new ServiceRequester(this.client, options.requestTimeoutMs);
  }

  /** The actor of requests the process makes on its own behalf, not a caller's. */
  get systemActor(): Envelope<unknown>['actor'] {
    return { kind: 'system', name: `cube-${this.options.service}` };
  }

  /** True while the connection is up. */
  get connected(): boolean {
    return this.connection !== undefined && !this.connection.isClosed();
  }

  /**
   * A request to another service as the process itself (the system actor). Its reply, or the error
   * the service answered (as a CubeError), or UNAVAILABLE when it does not answer within the deadline.
   */
  requestAsSystem<S extends BusSubject>(subject: S, payload: BusRequest<S>, options: SystemRequestOptions = {}): Promise<BusReply<S>> {
    const envelope: Envelope<BusRequest<S>> = { actor: this.systemActor, requestId: options.requestId ?? randomUUID(), payload };
    return this.requester.request(subject, envelope, options.timeoutMs);
  }

  /**
   * Runs `use` with the connection once it is up (at once if it already is) and starts connecting if
   * nothing did yet. Subscriptions made in `use` survive reconnects; `use` runs once.
   */
  onConnection(use: ConnectionUser): void {
    if (this.connection) {
      void this.run(use, this.connection);
      return;
    }
    this.users.push(use);
    this.start();
  }

  /** Starts connecting in the background, retrying until NATS answers or the bus is closed. */
  start(): void {
    this.connecting ??= this.connectUntilUp();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.connection?.drain().catch(() => undefined);
    await this.client.close();
  }

  private async connectUntilUp(): Promise<void> {
    const retryMs = this.options.connectRetryMs ?? 500;
    let warned = false;
    while (!this.closed) {
      try {
        const connection = await this.client.connect();
        if (this.closed) return;
        this.connection = connection;
        for (const use of this.users.splice(0)) await this.run(use, connection);
        return;
      } catch (error: unknown) {
        if (!warned)
          this.logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'NATS not reachable yet; connecting in the background',
          );
        warned = true;
        await new Promise<void>((resolve) => (this.retry = setTimeout(resolve, retryMs)));
      }
    }
  }

  private async run(use: ConnectionUser, connection: NatsConnection): Promise<void> {
    try {
      await use(connection);
    } catch (error: unknown) {
      this.logger.error({ err: error }, 'a user of the NATS connection failed to attach');
    }
  }
}

@Injectable()
class ServiceBusCloser implements OnApplicationShutdown {
  constructor(private readonly bus: ServiceBus) {}

  /** After every provider's beforeApplicationShutdown, so users can still flush over the connection there. */
  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

/**
 * THE way a Cube process calls another service: `imports: [ServiceBusModule.forService('tenancy')]`,
 * then inject `ServiceBus` (`requestAsSystem`, `onConnection`) or `ServiceRequester` (a caller's own
 * envelope). Global: one client per process. Reads `SERVICE_BUS_ENVIRONMENT` (CubeServiceModule
 * provides it from the service's environment).
 */
@Module({})
export class ServiceBusModule {
  static forService(service: string): DynamicModule {
    return {
      module: ServiceBusModule,
      global: true,
      providers: [
        {
          provide: ServiceBus,
          inject: [SERVICE_BUS_ENVIRONMENT],
          useFactory: (env: ServiceBusEnvironment) => {
            const bus = new ServiceBus({
              service,
              servers: env.NATS_URL.split(',').map((url) => url.trim()),
              requestTimeoutMs: env.CUBE_REQUEST_TIMEOUT_MS,
              auth: natsAuthOptions(env),
            });
            bus.start();
            return bus;
          },
        },
        { provide: ServiceRequester, inject: [ServiceBus], useFactory: (bus: ServiceBus) => bus.requester },
        ServiceBusCloser,
      ],
      exports: [ServiceBus, ServiceRequester],
    };
  }
}
