import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks (issue #22): subscriptions (their signing key sealed with CUBE_SECRET_KEY) and
 * one delivery row per (subscription, event), the unit of retry and of the delivery history.
 */
export class Webhooks1765000000000 implements MigrationInterface {
  name = 'Webhooks1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "audit"."webhook_subscriptions" (
      "id" uuid NOT NULL,
      "url" text NOT NULL,
      "events" text[] NOT NULL,
      "secret" jsonb NOT NULL,
      "secret_key_id" varchar(16) NOT NULL,
      "description" text,
      "enabled" boolean NOT NULL DEFAULT true,
      "disabled_reason" text,
      "consecutive_failures" integer NOT NULL DEFAULT 0,
      "created_by" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "webhook_subscriptions_pkey" PRIMARY KEY ("id")
    )`);
    await q.query(`CREATE TABLE "audit"."webhook_deliveries" (
      "id" uuid NOT NULL,
      "subscription_id" uuid NOT NULL,
      "event_id" text NOT NULL,
      "event_type" text NOT NULL,
      "body" text NOT NULL,
      "state" varchar(16) NOT NULL DEFAULT 'pending',
      "attempts" integer NOT NULL DEFAULT 0,
      "last_status" integer,
      "last_error" text,
      "next_attempt_at" timestamptz,
      "delivered_at" timestamptz,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
      CONSTRAINT "webhook_deliveries_once" UNIQUE ("subscription_id", "event_id"),
      CONSTRAINT "webhook_deliveries_subscription" FOREIGN KEY ("subscription_id")
        REFERENCES "audit"."webhook_subscriptions" ("id") ON DELETE CASCADE
    )`);
    await q.query(`CREATE INDEX "webhook_deliveries_due" ON "audit"."webhook_deliveries" ("next_attempt_at") WHERE "state" = 'pending'`);
    await q.query(`CREATE INDEX "webhook_deliveries_history" ON "audit"."webhook_deliveries" ("subscription_id", "created_at", "id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit"."webhook_deliveries"`);
    await q.query(`DROP TABLE "audit"."webhook_subscriptions"`);
  }
}
