import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { AuditPublisher, DurableSubscribers, EventOutbox } from '@cube/messaging';
import { CubeMetrics, OutboxLag, registerConsumerLag, registerOutboxLag } from '@cube/observability';

/**
 * What a service has not handed to JetStream or not taken from it yet: its event outbox (the table of
 * its schema, found among its providers), its audit publisher's in-memory outbox, and the lag of its
 * durable consumers. Read at each scrape, so an idle service costs nothing between scrapes.
 */
@Injectable()
export class MessagingMetrics implements OnApplicationBootstrap {
  constructor(
    private readonly metrics: CubeMetrics,
    private readonly discovery: DiscoveryService,
    private readonly subscribers: DurableSubscribers,
    private readonly audit: AuditPublisher,
  ) {}

  onApplicationBootstrap(): void {
    const outboxes = [
      ...new Set(
        this.discovery
          .getProviders()
          .map((wrapper) => wrapper.instance as unknown)
          .filter((instance): instance is EventOutbox => instance instanceof EventOutbox),
      ),
    ];
    registerOutboxLag(this.metrics, async () => {
      const lags: OutboxLag[] = [{ outbox: 'audit', pending: this.audit.pending, oldestAgeSeconds: this.audit.oldestWaitingSeconds }];
      if (outboxes.length > 0) {
        const events = await Promise.all(outboxes.map((outbox) => outbox.lag()));
        const ages = events.flatMap((lag) => (lag.oldestAgeSeconds === null ? [] : [lag.oldestAgeSeconds]));
        lags.push({
          outbox: 'events',
          pending: events.reduce((sum, lag) => sum + lag.pending, 0),
          oldestAgeSeconds: ages.length > 0 ? Math.max(...ages) : null,
        });
      }
      return lags;
    });
    registerConsumerLag(this.metrics, () => this.subscribers.lag());
  }
}
