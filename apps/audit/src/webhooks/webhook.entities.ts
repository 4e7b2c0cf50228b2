import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import type { SealedValue } from '@cube/persistence';
import type { WebhookDeliveryState } from '@cube/contracts';

/** A row of `audit.webhook_subscriptions`: where to send which events, and the sealed signing key. */
@Entity({ name: 'webhook_subscriptions' })
export class WebhookSubscriptionEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'webhook_subscriptions_pkey' })
  id!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'text', array: true })
  events!: string[];

  @Column({ type: 'jsonb' })
  secret!: SealedValue;

  @Column({ name: 'secret_key_id', type: 'varchar', length: 16 })
  secretKeyId!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason!: string | null;

  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures!: number;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

/** A row of `audit.webhook_deliveries`: one event for one subscription, retried until delivered or given up. */
@Entity({ name: 'webhook_deliveries' })
@Unique('webhook_deliveries_once', ['subscriptionId', 'eventId'])
@Index('webhook_deliveries_history', ['subscriptionId', 'createdAt', 'id'])
@Index('webhook_deliveries_due', ['nextAttemptAt'], { where: `"state" = 'pending'` })
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'webhook_deliveries_pkey' })
  id!: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: string;

  /** The CloudEvent exactly as sent: every attempt sends the same bytes. */
  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  state!: WebhookDeliveryState;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_status', type: 'integer', nullable: true })
  lastStatus!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** Declares the foreign key only (never loaded): deleting a subscription deletes its history. */
  @ManyToOne(() => WebhookSubscriptionEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'subscription_id', referencedColumnName: 'id', foreignKeyConstraintName: 'webhook_deliveries_subscription' })
  subscription?: WebhookSubscriptionEntity;
}
