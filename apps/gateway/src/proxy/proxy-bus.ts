import { BeforeApplicationShutdown, Injectable, OnModuleInit } from '@nestjs/common';
import { JSONCodec, NatsConnection } from 'nats';
import { ClusterEventSubjects, CubeEvent } from '@cube/contracts';
import { AuditPublisher, AuditRecordInput, ServiceBus } from '@cube/messaging';
import { ClusterConnections } from './cluster-connections';

/**
 * The proxy's use of the gateway's NATS connection: cluster events drop what the proxy cached about a
 * cluster, and audit records of proxied writes go to `CUBE_AUDIT` (with AuditPublisher's outbox across
 * NATS restarts). NATS down at start does not stop the gateway: the shared connection keeps connecting
 * in the background, and until it is connected audited requests are refused (an audit record is never
 * dropped silently).
 */
@Injectable()
export class ProxyBus implements OnModuleInit, BeforeApplicationShutdown {
  private publisher: AuditPublisher | undefined;
  private closing = false;

  constructor(
    private readonly connections: ClusterConnections,
    private readonly bus: ServiceBus,
  ) {}

  onModuleInit(): void {
    this.bus.onConnection((connection) => this.attach(connection));
  }

  /** True once audit records can be published (or queued in the outbox). */
  get auditReady(): boolean {
    return this.publisher !== undefined;
  }

  async audit(record: AuditRecordInput): Promise<void> {
    if (!this.publisher) throw new Error('audit publisher not connected');
    await this.publisher.record(record);
  }

  /** Before the shared connection closes (in onApplicationShutdown), so queued records still go out. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.publisher?.flush(5000).catch(() => undefined);
    this.publisher?.close();
  }

  private async attach(connection: NatsConnection): Promise<void> {
    if (this.closing) return;
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
