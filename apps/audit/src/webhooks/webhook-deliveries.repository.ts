import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { WebhookDelivery } from '@cube/contracts';
import { Keyset } from '@cube/persistence';
import { WebhookDeliveryEntity } from './webhook.entities';

/** Delivery history pages newest first by (created_at as PostgreSQL's text, id). */
export const DELIVERIES_NEWEST_FIRST = new Keyset<[createdAt: string, id: string]>(['timestamp', 'uuid']);

export interface DeliveryPageRow {
  delivery: WebhookDelivery;
  key: [string, string];
}

/** A delivery taken for one attempt: leased to this process until `next_attempt_at`. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  body: string;
  attempts: number;
}

export function publicDelivery(row: WebhookDeliveryEntity): WebhookDelivery {
  return {
    id: row.id,
    subscriptionId: row.subscriptionId,
    eventId: row.eventId,
    eventType: row.eventType,
    state: row.state,
    attempts: row.attempts,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    nextAttemptAt: row.state === 'pending' ? (row.nextAttemptAt?.toISOString() ?? null) : null,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** `audit.webhook_deliveries`: its one owner. */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly db: DataSource) {}

  private get deliveries(): Repository<WebhookDeliveryEntity> {
    return this.db.getRepository(WebhookDeliveryEntity);
  }

  /** One delivery per (subscription, event); an event seen again (redelivered by JetStream) adds nothing. Returns how many are new. */
  async enqueue(rows: { subscriptionId: string; eventId: string; eventType: string; body: string }[]): Promise<number> {
    if (rows.length === 0) return 0;
    const result = await this.deliveries
      .createQueryBuilder()
      .insert()
      .values(rows.map((row) => ({ ...row, id: randomUUID(), state: 'pending' as const, nextAttemptAt: () => 'now()' })))
      .orIgnore()
      .returning(['id'])
      .execute();
    return (result.raw as unknown[]).length;
  }

  /**
   * Takes up to `limit` due deliveries of enabled subscriptions and leases them for `leaseMs` (their
   * next attempt time moves past the lease), so another replica skips them while this one sends.
   * A process that dies mid-attempt leaves them due again when the lease ends: at least once.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    // Raw SQL: FOR UPDATE SKIP LOCKED, which QueryBuilder cannot put in a subquery of an UPDATE.
    const result = (await this.db.query(
      `UPDATE "audit"."webhook_deliveries" d
          SET "next_attempt_at" = now() + make_interval(secs => $2::double precision / 1000)
        WHERE d."id" IN (
          SELECT "id" FROM "audit"."webhook_deliveries"
           WHERE "state" = 'pending' AND "next_attempt_at" <= now()
             AND "subscription_id" IN (SELECT "id" FROM "audit"."webhook_subscriptions" WHERE "enabled")
           ORDER BY "next_attempt_at", "created_at"
           LIMIT $1
             FOR UPDATE SKIP LOCKED)
    RETURNING d."id", d."subscription_id", d."event_id", d."event_type", d."body", d."attempts"`,
      [limit, leaseMs],
    )) as [{ id: string; subscription_id: string; event_id: string; event_type: string; body: string; attempts: number }[], number];
    return result[0].map((row) => ({
      id: row.id,
      subscriptionId: row.subscription_id,
      eventId: row.event_id,
      eventType: row.event_type,
      body: row.body,
      attempts: row.attempts,
    }));
  }

  async delivered(claimed: ClaimedDelivery, status: number): Promise<void> {
    await this.deliveries.update(
      { id: claimed.id },
      {
        state: 'delivered',
        attempts: claimed.attempts + 1,
        lastStatus: status,
        lastError: null,
        nextAttemptAt: null,
        deliveredAt: () => 'now()',
      },
    );
  }

  /** A failed attempt: retried at `retryAt`, or `failed` for good once `maxAttempts` is reached. Returns the new state. */
  async attemptFailed(
    claimed: ClaimedDelivery,
    outcome: { status: number | null; error: string },
    maxAttempts: number,
    retryAt: Date,
  ): Promise<'pending' | 'failed'> {
    const attempts = claimed.attempts + 1;
    const state = attempts >= maxAttempts ? 'failed' : 'pending';
    await this.deliveries.update(
      { id: claimed.id },
      { state, attempts, lastStatus: outcome.status, lastError: outcome.error, nextAttemptAt: state === 'pending' ? retryAt : null },
    );
    return state;
  }

  async history(subscriptionId: string, page: { limit: number; before: [string, string] | null }): Promise<DeliveryPageRow[]> {
    const query = this.deliveries.createQueryBuilder('d').where('d.subscriptionId = :subscriptionId', { subscriptionId });
    const rows = await DELIVERIES_NEWEST_FIRST.read(query, ['d.createdAt', 'd.id'], page.before, page.limit, 'DESC');
    return rows.map(({ row, key }) => ({ delivery: publicDelivery(row), key }));
  }
}
