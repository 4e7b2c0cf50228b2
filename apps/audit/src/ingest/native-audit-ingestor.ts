import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AckPolicy, Consumer, DeliverPolicy, JsMsg, NatsConnection, NatsError, nanos } from 'nats';
import { AuditRecord, auditSourceToken } from '@cube/contracts';
import {
  DurableSubscribers,
  JETSTREAM_CONNECTION,
  JETSTREAM_OPTIONS,
  JetStreamModuleOptions,
  publishDurably,
  ResolvedCubeStreams,
  resolveCubeStreams,
} from '@cube/messaging';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { AuditEnvironment } from '../audit-environment';
import { fromK8sEvent, isK8sAuditEvent } from '../records/normalise';

export const NATIVE_AUDIT_CONSUMER = 'cube-audit-native';

// JetStream API error: "consumer already exists" (with another config).
const CONSUMER_EXISTS = 10148;
const CLUSTER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const BATCH = 256;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Native audit forwarded by Warden (issue #22): a durable pull consumer on `CUBE_AUDIT_NATIVE` turns
 * each `audit.k8s.io/v1` Event on `cube.audit.native.<cluster>` into an audit record (the same
 * normalisation as the gateway's direct receiver) and puts it on `CUBE_AUDIT` with `Nats-Msg-Id` =
 * its id, then acknowledges. The store's one writer (AuditIngestor) takes it from there, so the hash
 * chains keep one order; a record seen twice is dropped by JetStream or by the store (idempotent per
 * id). One loop, records published in the stream's order and retried in place, so order is kept.
 * The cluster comes from the subject: NATS is the trust boundary here, as for heartbeats.
 */
@Injectable()
export class NativeAuditIngestor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(NativeAuditIngestor.name);
  private readonly streams: ResolvedCubeStreams;
  private readonly bodyResources: ReadonlySet<string>;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(
    @Inject(JETSTREAM_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM_OPTIONS) options: JetStreamModuleOptions,
    @Inject(SERVICE_ENVIRONMENT) env: AuditEnvironment,
    private readonly subscribers: DurableSubscribers,
  ) {
    this.streams = resolveCubeStreams(options.streams);
    this.bodyResources = new Set(
      env.AUDIT_REQUEST_BODY_RESOURCES.split(',')
        .map((resource) => resource.trim())
        .filter(Boolean),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const consumer = await this.ensureConsumer();
    this.subscribers.reportLagOf(this.streams.nativeAuditStream, NATIVE_AUDIT_CONSUMER);
    this.running = this.loop(consumer);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async ensureConsumer(): Promise<Consumer> {
    const jsm = await this.nc.jetstreamManager();
    const editable = { max_deliver: -1, ack_wait: nanos(60_000), max_ack_pending: 10_000 };
    try {
      await jsm.consumers.add(this.streams.nativeAuditStream, {
        ...editable,
        durable_name: NATIVE_AUDIT_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
      });
    } catch (error: unknown) {
      if (!(error instanceof NatsError) || error.api_error?.err_code !== CONSUMER_EXISTS) throw error;
      await jsm.consumers.update(this.streams.nativeAuditStream, NATIVE_AUDIT_CONSUMER, editable);
    }
    return this.nc.jetstream().consumers.get(this.streams.nativeAuditStream, NATIVE_AUDIT_CONSUMER);
  }

  private async loop(consumer: Consumer): Promise<void> {
    let backoff = 100;
    while (!this.stopping) {
      let messages: JsMsg[];
      try {
        messages = [];
        const batch = await consumer.fetch({ max_messages: BATCH, expires: 1000 });
        for await (const message of batch) messages.push(message);
      } catch (error: unknown) {
        this.logger.warn({ err: error }, 'could not pull native audit events, retrying');
        await pause(backoff);
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      backoff = 100;
      if (messages.length > 0) await this.forward(messages);
    }
  }

  private recordOf(message: JsMsg): AuditRecord | null {
    const cluster = message.subject.slice(this.streams.nativeAuditSubjectPrefix.length + 1);
    try {
      const event: unknown = message.json();
      if (CLUSTER_NAME.test(cluster) && isK8sAuditEvent(event)) return fromK8sEvent(cluster, event, this.bodyResources);
    } catch {
      // not JSON: dropped below
    }
    // No retry can make this a record: out of delivery (it stays in the stream to look into).
    this.logger.error({ seq: message.seq, subject: message.subject }, 'dropping a malformed native audit event');
    message.term();
    return null;
  }

  /** Publishes the batch's records in order and acknowledges them; retried in place while JetStream does not take them. */
  private async forward(messages: JsMsg[]): Promise<void> {
    const records = messages.map((message) => ({ message, record: this.recordOf(message) }));
    const kept = records.filter((entry): entry is { message: JsMsg; record: AuditRecord } => entry.record !== null);
    const js = this.nc.jetstream();
    const subject = `${this.streams.auditSubjectPrefix}.${auditSourceToken('kubernetes')}`;
    let backoff = 200;
    for (;;) {
      try {
        await Promise.all(kept.map(({ record }) => publishDurably(js, subject, record, record.id, this.streams.auditStream, 5000)));
        break;
      } catch (error: unknown) {
        if (this.stopping) return; // unacknowledged: redelivered to the next process
        this.logger.warn({ err: error, events: kept.length }, `${this.streams.auditStream} did not take native audit records, retrying`);
        for (const { message } of kept) message.working();
        await pause(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
    for (const { message } of kept) message.ack();
  }
}
