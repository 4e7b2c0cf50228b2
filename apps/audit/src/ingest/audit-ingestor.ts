import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { AckPolicy, Consumer, DeliverPolicy, JsMsg, NatsConnection, NatsError, nanos } from 'nats';
import { AuditRecord } from '@cube/contracts';
import { JETSTREAM_CONNECTION, JETSTREAM_OPTIONS, JetStreamModuleOptions, resolveCubeStreams } from '@cube/messaging';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { AuditEnvironment } from '../audit-environment';
import { toEntry } from '../records/normalise';
import { AUDIT_STORE, AuditStore } from '../store/audit-store';

export const AUDIT_CONSUMER = 'cube-audit-store';

// JetStream API error: "consumer already exists" (with another config).
const CONSUMER_EXISTS = 10148;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Moves audit records from `CUBE_AUDIT` into the store: a durable pull consumer, batches of
 * `AUDIT_BATCH_SIZE`, each written in one transaction and acknowledged only after it committed.
 * A batch the store refuses (PostgreSQL down) is retried in place with backoff, its ack deadline
 * extended meanwhile; everything behind it waits on the stream. One loop per process writes in
 * stream order, which is the hash chains' order.
 */
@Injectable()
export class AuditIngestor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditIngestor.name);
  private running: Promise<void> | null = null;
  private stopping = false;
  stored = 0;

  constructor(
    @Inject(JETSTREAM_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM_OPTIONS) private readonly options: JetStreamModuleOptions,
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: AuditEnvironment,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.store.init();
    const consumer = await this.ensureConsumer();
    this.running = this.loop(consumer);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running;
    await this.store.close();
  }

  private async ensureConsumer(): Promise<Consumer> {
    const streams = resolveCubeStreams(this.options.streams);
    const jsm = await this.nc.jetstreamManager();
    // No filter subject: everything on CUBE_AUDIT is an audit record, and records an earlier Cube
    // stored on `cube.audit.records.<service>` and this consumer has not reached yet must still be read
    // after the stream moved to `cube.audit.<source>` (a filter on the new subjects would skip them).
    // `filter_subject: undefined` also removes the old `cube.audit.records.>` filter of an existing
    // consumer; an update keeps the consumer's position, so nothing is read twice or skipped.
    const editable = { max_deliver: -1, ack_wait: nanos(60_000), max_ack_pending: 20_000, filter_subject: undefined };
    try {
      await jsm.consumers.add(streams.auditStream, {
        ...editable,
        durable_name: AUDIT_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
      });
    } catch (error: unknown) {
      if (!(error instanceof NatsError) || error.api_error?.err_code !== CONSUMER_EXISTS) throw error;
      await jsm.consumers.update(streams.auditStream, AUDIT_CONSUMER, editable);
    }
    return this.nc.jetstream().consumers.get(streams.auditStream, AUDIT_CONSUMER);
  }

  /**
   * Pulls the next batch while the previous one is being written: the consumer hands out messages in
   * stream order and batches are stored one after the other, so the chains' order is kept while the
   * pull's round trip no longer adds to every batch's time.
   */
  private async loop(consumer: Consumer): Promise<void> {
    let backoff = 100;
    let next = this.pull(consumer);
    while (!this.stopping) {
      const pulled = await next;
      if (pulled instanceof Error) {
        // NATS restarting: what was not acknowledged comes back after the ack wait.
        this.logger.warn({ err: pulled }, 'could not pull audit records, retrying');
        await pause(backoff);
        backoff = Math.min(backoff * 2, 5000);
        next = this.pull(consumer);
        continue;
      }
      backoff = 100;
      next = this.pull(consumer);
      try {
        if (pulled.length > 0) await this.storeBatch(pulled);
      } catch (error: unknown) {
        // Acknowledging failed (NATS went away): the batch comes back after the ack wait, and is stored once.
        this.logger.warn({ err: error }, 'could not acknowledge stored audit records');
      }
    }
    // Stopping: the batch pulled ahead goes back to the stream at once rather than after the ack wait.
    const ahead = await next;
    if (!(ahead instanceof Error)) for (const message of ahead) message.nak();
  }

  /** One batch (fewer when the stream has fewer within a second); a failed pull is returned, never thrown. */
  private async pull(consumer: Consumer): Promise<JsMsg[] | Error> {
    try {
      const messages: JsMsg[] = [];
      const batch = await consumer.fetch({ max_messages: this.env.AUDIT_BATCH_SIZE, expires: 1000 });
      for await (const message of batch) messages.push(message);
      return messages;
    } catch (error: unknown) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private async storeBatch(messages: JsMsg[]): Promise<void> {
    const records: { message: JsMsg; record: AuditRecord }[] = [];
    for (const message of messages) {
      try {
        const record = message.json<AuditRecord>();
        if (typeof record?.id !== 'string' || typeof record.actor?.name !== 'string' || typeof record.action !== 'string') {
          throw new Error('not an audit record');
        }
        records.push({ message, record });
      } catch (error: unknown) {
        // No retry can make this a record: take it out of delivery (it stays in the stream for inspection).
        this.logger.error({ err: error, seq: message.seq, subject: message.subject }, 'dropping a malformed audit message');
        message.term();
      }
    }
    const entries = records.map(({ record }) => toEntry(record));
    let backoff = 200;
    for (;;) {
      try {
        this.stored += await this.store.append(entries);
        break;
      } catch (error: unknown) {
        if (this.stopping) return; // unacknowledged: redelivered to the next process
        this.logger.warn({ err: error, records: entries.length }, 'audit store refused a batch, retrying');
        for (const { message } of records) message.working();
        await pause(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
    for (const { message } of records) message.ack();
  }
}
