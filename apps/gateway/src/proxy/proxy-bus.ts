import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { connect, ConnectionOptions, JSONCodec, NatsConnection } from 'nats';
import { ClusterEventSubjects, CubeEvent } from '@cube/contracts';
import { AuditPublisher, AuditRecordInput } from '@cube/messaging';
import { GatewayEnvironment } from '../config/gateway-environment';
import { GATEWAY_ENVIRONMENT } from '../config/tokens';
import { ClusterConnections } from './cluster-connections';

/**
 * The proxy's NATS connection: cluster events drop what the proxy cached about a cluster, and audit
 * records of proxied writes go to `CUBE_AUDIT` (with AuditPublisher's outbox across NATS restarts).
 * NATS down at start does not stop the gateway: it keeps connecting in the background, and until it
 * is connected audited requests are refused (an audit record is never dropped silently).
 */
@Injectable()
export class ProxyBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ProxyBus.name);
  private connection: NatsConnection | undefined;
  private publisher: AuditPublisher | undefined;
  private closing = false;

  constructor(
    private readonly connections: ClusterConnections,
    @Inject(GATEWAY_ENVIRONMENT) private readonly env: GatewayEnvironment,
  ) {}

  async onModuleInit(): Promise<void> {
    const options: ConnectionOptions = {
      servers: this.env.NATS_URL.split(',').map((url) => url.trim()),
      name: 'cube-gateway-proxy',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    };
    try {
      await this.attach(await connect(options));
    } catch (error: unknown) {
      this.logger.warn({ err: error }, 'NATS not reachable; the API proxy refuses audited requests until it is');
      void connect({ ...options, waitOnFirstConnect: true }).then(
        (connection) => this.attach(connection),
        (retryError: unknown) => this.logger.error({ err: retryError }, 'NATS connection for the API proxy failed'),
      );
    }
  }

  /** True once audit records can be published (or queued in the outbox). */
  get auditReady(): boolean {
    return this.publisher !== undefined;
  }

  async audit(record: AuditRecordInput): Promise<void> {
    if (!this.publisher) throw new Error('audit publisher not connected');
    await this.publisher.record(record);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.publisher?.flush(5000).catch(() => undefined);
    this.publisher?.close();
    await this.connection?.drain().catch(() => undefined);
  }

  private async attach(connection: NatsConnection): Promise<void> {
    if (this.closing) {
      await connection.close();
      return;
    }
    this.connection = connection;
    const codec = JSONCodec<CubeEvent>();
    for (const subject of Object.values(ClusterEventSubjects)) {
      connection.subscribe(subject, {
        callback: (error, message) => {
          if (error) return;
          try {
            this.connections.forget(codec.decode(message.data).entity.name);
          } catch {
            // An event the proxy cannot read still means "some cluster changed".
            this.connections.forgetAll();
          }
        },
      });
    }
    this.publisher = new AuditPublisher(connection.jetstream(), { service: 'gateway', outbox: { maxRecords: 10_000 } });
    // The server knows the subscriptions once it answered this round trip.
    await connection.flush();
  }
}
