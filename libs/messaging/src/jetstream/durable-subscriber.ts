import { Logger } from '@nestjs/common';
import { AckPolicy, ConsumerConfig, ConsumerMessages, DeliverPolicy, JsMsg, NatsConnection, NatsError, nanos } from 'nats';
import { CubeError, CubeEvent } from '@cube/contracts';
import { RecentEventIds } from './recent-event-ids';

/** Where a delivery came from and how often it was tried; lets a handler log and decide. */
export interface DeliveryMeta {
  subject: string;
  streamSequence: number;
  /** 1 on the first delivery, then counts redeliveries. */
  deliveryCount: number;
  redelivered: boolean;
  /** True when a failure now stops redelivery (max deliver reached). */
  lastAttempt: boolean;
}

export type DeliveryHandler<TEvent> = (event: TEvent, meta: DeliveryMeta) => Promise<void>;

export interface DurableSubscriberOptions {
  stream: string;
  /** The durable consumer's name: the server remembers per name what was acknowledged. */
  durableName: string;
  /** Several subjects need NATS server 2.10 or later (`filter_subjects`). */
  filterSubjects: string | string[];
  /** Deliveries before the server gives up on an event; -1 for no limit. */
  maxDeliver?: number;
  /** Pause before a failed event is delivered again, so a failing dependency can recover. */
  redeliveryDelayMs?: number;
  /** Time the handler has before the server assumes the subscriber died and redelivers. */
  ackWaitMs?: number;
  /** Events pulled ahead of the handler. */
  batchSize?: number;
  /** When given, events whose id was handled recently are acknowledged without calling the handler. */
  recentIds?: RecentEventIds;
}

// JetStream API error: "consumer already exists" (with another config).
const CONSUMER_EXISTS = 10148;

/**
 * Consumes a stream through a durable pull consumer with explicit acks: an event is acknowledged
 * only after its handler resolved, a failed one is negatively acknowledged and delivered again after
 * a delay. Delivery is at least once, so handlers must be idempotent (see `RecentEventIds`), and a
 * failed event may come back after later ones. Events are handled one at a time, in stream order.
 * The payload is parsed as JSON and trusted to be a `TEvent`: the stream only holds what Cube published.
 */
export class DurableSubscriber<TEvent extends { id?: string } = CubeEvent> {
  private readonly logger: Logger;
  private messages: ConsumerMessages | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: DurableSubscriberOptions,
  ) {
    this.logger = new Logger(`DurableSubscriber ${options.stream}/${options.durableName}`);
  }

  /** Creates or updates the durable consumer, then resolves while events flow to `handler`. */
  async start(handler: DeliveryHandler<TEvent>): Promise<void> {
    if (this.running) throw new CubeError('INTERNAL', `subscriber ${this.options.durableName} is already started`);
    await this.ensureConsumer();
    const consumer = await this.nc.jetstream().consumers.get(this.options.stream, this.options.durableName);
    const messages = await consumer.consume({ max_messages: this.options.batchSize ?? 10 });
    this.messages = messages;
    this.running = this.deliverAll(messages, handler);
  }

  /** Started and not stopped: its consumer exists on the server. */
  get started(): boolean {
    return this.running !== null;
  }

  get stream(): string {
    return this.options.stream;
  }

  get durableName(): string {
    return this.options.durableName;
  }

  /** Drains: stops pulling, then handles the events already pulled (at most `batchSize`) before resolving. */
  async stop(): Promise<void> {
    await this.messages?.close();
    await this.running;
    this.messages = null;
    this.running = null;
  }

  private async deliverAll(messages: ConsumerMessages, handler: DeliveryHandler<TEvent>): Promise<void> {
    try {
      // After stop() the iterator still yields what was pulled ahead: handling it (rather than a nak,
      // which the server may hand to the stopped pull request) is what makes stop() a drain.
      for await (const msg of messages) {
        await this.deliver(msg, handler).catch((error: unknown) => {
          // The ack did not reach the server: the event comes back after the ack wait.
          this.logger.error({ err: error, subject: msg.subject, seq: msg.seq }, 'could not settle an event');
        });
      }
    } catch (error: unknown) {
      // Nobody awaits this loop until stop(): a failure must be logged, not left unhandled.
      this.logger.error({ err: error }, 'stopped consuming');
    }
  }

  private async deliver(msg: JsMsg, handler: DeliveryHandler<TEvent>): Promise<void> {
    let event: TEvent | null;
    try {
      event = msg.json<TEvent | null>();
    } catch (error: unknown) {
      event = null;
      this.logger.error({ err: error, subject: msg.subject, seq: msg.seq }, 'event is not JSON');
    }
    if (typeof event !== 'object' || event === null) {
      // No retry can turn this into an event: take it out of delivery instead of looping on it.
      this.logger.error({ subject: msg.subject, seq: msg.seq }, 'dropping a message that is not an event object');
      msg.term();
      return;
    }
    const id = event.id ?? msg.headers?.get('Nats-Msg-Id');
    if (id && this.options.recentIds?.seen(id)) {
      await msg.ackAck();
      return;
    }
    const maxDeliver = this.options.maxDeliver ?? 5;
    const meta: DeliveryMeta = {
      subject: msg.subject,
      streamSequence: msg.info.streamSequence,
      deliveryCount: msg.info.redeliveryCount,
      redelivered: msg.info.redelivered,
      lastAttempt: maxDeliver > 0 && msg.info.redeliveryCount >= maxDeliver,
    };
    try {
      await handler(event, meta);
    } catch (error: unknown) {
      if (meta.lastAttempt) {
        this.logger.error({ err: error, subject: msg.subject, seq: meta.streamSequence, id }, 'giving up on an event');
        msg.term();
      } else {
        this.logger.warn({ err: error, subject: msg.subject, seq: meta.streamSequence, id }, 'event handler failed, will retry');
        msg.nak(this.options.redeliveryDelayMs ?? 1000);
      }
      return;
    }
    if (id) this.options.recentIds?.remember(id);
    // Wait for the server to confirm the ack, so stop() returns only once handled events are settled.
    await msg.ackAck();
  }

  private async ensureConsumer(): Promise<void> {
    const { stream, durableName, filterSubjects } = this.options;
    const subjects = Array.isArray(filterSubjects) ? filterSubjects : [filterSubjects];
    const editable: Partial<ConsumerConfig> = {
      ...(subjects.length === 1 ? { filter_subject: subjects[0] } : { filter_subjects: subjects }),
      max_deliver: this.options.maxDeliver ?? 5,
      ack_wait: nanos(this.options.ackWaitMs ?? 30_000),
    };
    const jsm = await this.nc.jetstreamManager();
    try {
      await jsm.consumers.add(stream, {
        ...editable,
        durable_name: durableName,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
      });
    } catch (error: unknown) {
      if (!(error instanceof NatsError) || error.api_error?.err_code !== CONSUMER_EXISTS) throw error;
      // Made by an earlier version with other limits: the server lets these change in place.
      await jsm.consumers.update(stream, durableName, editable);
    }
  }
}
