import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { WebhookSubscription } from '@cube/contracts';
import { Keyset, SealedValue } from '@cube/persistence';
import { WebhookSubscriptionEntity } from './webhook.entities';

/** Subscriptions page oldest first by (created_at as PostgreSQL's text, exact to the microsecond, id). */
export const SUBSCRIPTIONS_BY_CREATION = new Keyset<[createdAt: string, id: string]>(['timestamp', 'uuid']);

export interface SubscriptionPageRow {
  subscription: WebhookSubscription;
  key: [string, string];
}

export function publicSubscription(row: WebhookSubscriptionEntity): WebhookSubscription {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    consecutiveFailures: row.consecutiveFailures,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export interface SubscriptionChanges {
  url?: string;
  events?: string[];
  description?: string | null;
  secret?: { sealed: SealedValue; keyId: string };
  enable?: boolean;
}

/** `audit.webhook_subscriptions`: its one owner. */
@Injectable()
export class WebhookSubscriptionsRepository {
  constructor(private readonly db: DataSource) {}

  private get subscriptions(): Repository<WebhookSubscriptionEntity> {
    return this.db.getRepository(WebhookSubscriptionEntity);
  }

  async insert(row: Pick<WebhookSubscriptionEntity, 'id' | 'url' | 'events' | 'secret' | 'secretKeyId' | 'description' | 'createdBy'>) {
    await this.subscriptions.insert(row);
    return (await this.subscriptions.findOneByOrFail({ id: row.id })) satisfies WebhookSubscriptionEntity;
  }

  find(id: string): Promise<WebhookSubscriptionEntity | null> {
    return this.subscriptions.findOneBy({ id });
  }

  /** Every enabled subscription: the fan-out matches each event against their filters. */
  enabled(): Promise<WebhookSubscriptionEntity[]> {
    return this.subscriptions.findBy({ enabled: true });
  }

  async list(page: { limit: number; after: [string, string] | null }): Promise<SubscriptionPageRow[]> {
    const rows = await SUBSCRIPTIONS_BY_CREATION.read(
      this.subscriptions.createQueryBuilder('s'),
      ['s.createdAt', 's.id'],
      page.after,
      page.limit,
    );
    return rows.map(({ row, key }) => ({ subscription: publicSubscription(row), key }));
  }

  /** Applies the changes; re-enabling clears the reason and the failure count. Null when the row is gone. */
  async update(id: string, changes: SubscriptionChanges): Promise<WebhookSubscriptionEntity | null> {
    const set: Partial<WebhookSubscriptionEntity> = {};
    if (changes.url !== undefined) set.url = changes.url;
    if (changes.events !== undefined) set.events = changes.events;
    if (changes.description !== undefined) set.description = changes.description;
    if (changes.secret) {
      set.secret = changes.secret.sealed;
      set.secretKeyId = changes.secret.keyId;
    }
    if (changes.enable === true) Object.assign(set, { enabled: true, disabledReason: null, consecutiveFailures: 0 });
    if (changes.enable === false) Object.assign(set, { enabled: false, disabledReason: 'disabled by an administrator' });
    const result = await this.subscriptions.update({ id }, { ...set, updatedAt: () => 'now()' });
    return result.affected ? this.find(id) : null;
  }

  async delete(id: string): Promise<boolean> {
    return ((await this.subscriptions.delete({ id })).affected ?? 0) > 0;
  }

  /** A delivered attempt: the failure count starts again. */
  async succeeded(id: string): Promise<void> {
    await this.subscriptions
      .createQueryBuilder()
      .update()
      .set({ consecutiveFailures: 0 })
      .where('id = :id AND consecutive_failures <> 0', { id })
      .execute();
  }

  /**
   * A failed attempt: one more failure in a row, and the subscription disabled with `reason` once
   * `disableAfter` is reached. Returns true when this call disabled it (one atomic UPDATE, so two
   * replicas cannot both count the same threshold).
   */
  async failed(id: string, disableAfter: number, reason: string): Promise<boolean> {
    // Raw SQL: the increment and the threshold test in one statement, so two replicas cannot both
    // count the same failure as the last one; only an enabled subscription counts failures.
    const result = (await this.db.query(
      `UPDATE "audit"."webhook_subscriptions"
          SET "consecutive_failures" = "consecutive_failures" + 1,
              "enabled" = ("consecutive_failures" + 1 < $2),
              "disabled_reason" = CASE WHEN "consecutive_failures" + 1 >= $2 THEN $3 ELSE NULL END
        WHERE "id" = $1 AND "enabled"
    RETURNING "enabled"`,
      [id, disableAfter, reason],
    )) as [{ enabled: boolean }[], number];
    return result[0].some((row) => !row.enabled);
  }
}
