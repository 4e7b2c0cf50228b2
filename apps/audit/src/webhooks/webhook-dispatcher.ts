import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Actor, WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '@cube/contracts';
import { AuditPublisher } from '@cube/messaging';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { AuditEnvironment } from '../audit-environment';
import { webhookSignature } from './signature';
import { ClaimedDelivery, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookSecrets } from './webhook-secrets';
import { WebhookSubscriptionsRepository } from './webhook-subscriptions.repository';

const DISPATCHER: Actor = { kind: 'system', name: 'webhooks' };
const BATCH = 32;
const MAX_RETRY_DELAY_MS = 3_600_000;

/** What one attempt came to: a 2xx status, or the status / error that makes it a failure. */
type Attempt = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/**
 * Sends due deliveries: POSTs the stored CloudEvent, signed, to the subscription's URL (no redirects
 * followed), at least once: a 2xx marks it delivered; anything else is retried with exponential
 * backoff up to CUBE_WEBHOOK_MAX_ATTEMPTS, and CUBE_WEBHOOK_DISABLE_AFTER failed attempts in a row
 * disable the subscription with the reason. Replicas share the work through leases on the rows.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private running: Promise<void> | null = null;
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly subscriptions: WebhookSubscriptionsRepository,
    private readonly secrets: WebhookSecrets,
    private readonly audit: AuditPublisher,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: AuditEnvironment,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.loop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
  }

  /** New deliveries were queued: look now rather than at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let claimed: ClaimedDelivery[] = [];
      try {
        this.woken = false;
        claimed = await this.deliveries.claimDue(BATCH, this.env.CUBE_WEBHOOK_TIMEOUT_MS + 10_000);
        await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      } catch (error: unknown) {
        this.logger.warn({ err: error }, 'could not send webhook deliveries, retrying');
      }
      // A full batch may mean more are due; otherwise wait for the poll or a wake-up.
      if (claimed.length < BATCH && !this.woken && !this.stopping) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.env.CUBE_WEBHOOK_POLL_MS);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const subscription = await this.subscriptions.find(delivery.subscriptionId);
    if (!subscription?.enabled) return; // deleted or disabled meanwhile: the lease ends, nothing is sent
    const result = await this.send(subscription.url, this.secrets.open(subscription.secret), delivery);
    if (result.ok) {
      await this.deliveries.delivered(delivery, result.status);
      await this.subscriptions.succeeded(subscription.id);
      await this.record(delivery, 'success');
      return;
    }
    const delay = Math.min(this.env.CUBE_WEBHOOK_RETRY_BASE_MS * 2 ** delivery.attempts, MAX_RETRY_DELAY_MS);
    const state = await this.deliveries.attemptFailed(delivery, result, this.env.CUBE_WEBHOOK_MAX_ATTEMPTS, new Date(Date.now() + delay));
    const reason = `disabled after ${this.env.CUBE_WEBHOOK_DISABLE_AFTER} failed deliveries in a row; the last: ${result.error}`;
    const disabled = await this.subscriptions.failed(subscription.id, this.env.CUBE_WEBHOOK_DISABLE_AFTER, reason);
    if (state === 'failed') await this.record(delivery, 'failure', `given up after ${delivery.attempts + 1} attempts: ${result.error}`);
    if (disabled) {
      this.logger.warn({ subscription: subscription.id, reason }, 'disabled a webhook subscription');
      await this.recordDisable(subscription.id, reason);
    }
  }

  private async send(url: string, secret: string, delivery: ClaimedDelivery): Promise<Attempt> {
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.env.CUBE_WEBHOOK_TIMEOUT_MS),
        headers: {
          'content-type': 'application/cloudevents+json; charset=utf-8',
          'user-agent': 'Cube-Webhooks/1',
          [WEBHOOK_ID_HEADER]: delivery.eventId,
          [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
          [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(secret, delivery.eventId, timestamp, delivery.body),
        },
        body: delivery.body,
      });
      await response.body?.cancel();
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      return { ok: false, status: response.status, error: `HTTP ${response.status}` };
    } catch (error: unknown) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      const name = (error as { name?: string }).name;
      return { ok: false, status: null, error: name === 'TimeoutError' ? 'timed out' : (cause ?? 'connection failed') };
    }
  }

  /** A delivery's final outcome on the audit trail: delivered, or given up. */
  private async record(delivery: ClaimedDelivery, outcome: 'success' | 'failure', reason?: string): Promise<void> {
    await this.audit
      .record({
        source: 'platform',
        requestId: randomUUID(),
        actor: DISPATCHER,
        action: 'webhook.deliver',
        target: { kind: 'WebhookSubscription', name: delivery.subscriptionId, event: delivery.eventId, eventType: delivery.eventType },
        outcome,
        ...(reason ? { reason } : {}),
      })
      .catch((error: unknown) => this.logger.error({ err: error }, 'could not record a webhook delivery on the audit trail'));
  }

  private async recordDisable(subscriptionId: string, reason: string): Promise<void> {
    await this.audit
      .record({
        source: 'platform',
        requestId: randomUUID(),
        actor: DISPATCHER,
        action: 'webhook.disable',
        target: { kind: 'WebhookSubscription', name: subscriptionId },
        outcome: 'success',
        reason,
      })
      .catch((error: unknown) => this.logger.error({ err: error }, 'could not record a webhook disable on the audit trail'));
  }
}
