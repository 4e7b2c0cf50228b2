import { ClusterTokenEntity } from './clusters/cluster-token.entity';
import { WebhookDeliveryEntity, WebhookSubscriptionEntity } from './webhooks/webhook.entities';

/**
 * Every TypeORM entity of this service; `entities.spec.ts` proves they match the migrations. The
 * record tables (`events`, partitioned by day, and `chain_heads`) stay raw SQL in the PostgreSQL
 * audit store: partitions, bulk inserts and the hash chain are what TypeORM does not express.
 */
export const entities = [ClusterTokenEntity, WebhookSubscriptionEntity, WebhookDeliveryEntity];
