import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AckPolicy, Consumer, DeliverPolicy, JsMsg, NatsConnection, NatsError, nanos } from 'nats';
import { CubeEvent, webhookFilterMatches } from '@cube/contracts';
import { JETSTREAM_CONNECTION, JETSTREAM_OPTIONS, JetStreamModuleOptions, resolveCubeStreams } from '@cube/messaging';
import { cloudEventOf } from './signature';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookSubscriptionsRepository } from './webhook-subscriptions.repository';

export const WEBHOOK_CONSUMER = 'cube-audit-webhooks';

// JetStream API error: "consumer already exists" (with another config).
const CONSUMER_EXISTS = 10148;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isCubeEvent(value: unknown): value is CubeEvent {
  const event = value as Partial<CubeEvent> | null;
  return typeof event?.id === 'string' && typeof event.at === 'string' && typeof event.entity?.kind === 'string';
}

/**
 * Turns each event of CUBE_EVENTS into one delivery row per matching, enabled subscription, through
 * a durable pull consumer shared by the audit replicas: an event is acknowledged only once its rows
 * are committed, and the rows are unique per (subscription, event), so a redelivered event adds
 * nothing. A subscription gets the events that happened after it was created.
 */
@Injectable()
export class WebhookFanout implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookFanout.name);
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(
    @Inject(JETSTREAM_CONNECTION) private readonly nc: NatsConnection,
    @Inject(JETSTREAM_OPTIONS) private readonly options: JetStreamModuleOptions,
    private readonly subscriptions: WebhookSubscriptionsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const consumer = await this.ensureConsumer();
    this.running = this.loop(consumer);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async ensureConsumer(): Promise<Consumer> {
    const streams = resolveCubeStreams(this.options.streams);
    const jsm = await this.nc.jetstreamManager();
    const editable = { max_deliver: -1, ack_wait: nanos(30_000), max_ack_pending: 1000 };
    try {
      await jsm.consumers.add(streams.eventsStream, {
        ...editable,
        durable_name: WEBHOOK_CONSUMER,
        ack_policy: AckPolicy.Explicit,
        // Subscriptions only get events newer than themselves: the stream's past is of no use here.
        deliver_policy: DeliverPolicy.New,
        filter_subject: `${streams.eventsSubjectPrefix}.>`,
      });
    } catch (error: unknown) {
      if (!(error instanceof NatsError) || error.api_error?.err_code !== CONSUMER_EXISTS) throw error;
      await jsm.consumers.update(streams.eventsStream, WEBHOOK_CONSUMER, editable);
    }
    return this.nc.jetstream().consumers.get(streams.eventsStream, WEBHOOK_CONSUMER);
  }

  private async loop(consumer: Consumer): Promise<void> {
    let backoff = 100;
    while (!this.stopping) {
      try {
        const messages: JsMsg[] = [];
        const batch = await consumer.fetch({ max_messages: 200, expires: 1000 });
        for await (const message of batch) messages.push(message);
        if (messages.length > 0) await this.fanOut(messages);
        backoff = 100;
      } catch (error: unknown) {
        // NATS or PostgreSQL restarting: what was not acknowledged comes back after the ack wait.
        this.logger.warn({ err: error }, 'could not fan events out to webhooks, retrying');
        await pause(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private async fanOut(messages: JsMsg[]): Promise<void> {
    const subscriptions = await this.subscriptions.enabled();
    const rows: { subscriptionId: string; eventId: string; eventType: string; body: string }[] = [];
    for (const message of messages) {
      let event: unknown;
      try {
        event = message.json<unknown>();
      } catch {
        event = null;
      }
      if (!isCubeEvent(event)) {
        this.logger.error({ seq: message.seq, subject: message.subject }, 'skipping a malformed event');
        continue;
      }
      const at = Date.parse(event.at);
      const matching = subscriptions.filter(
        (subscription) =>
          at >= subscription.createdAt.getTime() && subscription.events.some((filter) => webhookFilterMatches(filter, message.subject)),
      );
      if (matching.length === 0) continue;
      const body = cloudEventOf(message.subject, event);
      for (const subscription of matching)
        rows.push({ subscriptionId: subscription.id, eventId: event.id, eventType: message.subject, body });
    }
    const added = await this.deliveries.enqueue(rows);
    for (const message of messages) message.ack();
    if (added > 0) this.dispatcher.wake();
  }
}
