import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ServiceBusModule } from '@cube/messaging';
import { PlatformAbilities, SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { AuditEnvironment } from './audit-environment';
import { ClusterTokensRepository } from './clusters/cluster-tokens.repository';
import { AuditConsumerMetrics } from './ingest/audit-consumer.metrics';
import { AuditIngestor } from './ingest/audit-ingestor';
import { NativeAuditIngestor } from './ingest/native-audit-ingestor';
import { AuditHandler } from './query/audit.handler';
import { AuditVisibilityPolicy } from './query/audit-visibility';
import { AUDIT_STORE, AuditStore } from './store/audit-store';
import { ElasticsearchAuditStore } from './store/elasticsearch-audit.store';
import { PostgresAuditStore } from './store/postgres-audit.store';
import { sqlClientOf } from './store/sql-client';
import { WebhookDeliveriesRepository } from './webhooks/webhook-deliveries.repository';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { WebhookFanout } from './webhooks/webhook-fanout';
import { WebhookSecrets } from './webhooks/webhook-secrets';
import { WebhookSubscriptionsRepository } from './webhooks/webhook-subscriptions.repository';
import { WebhooksHandler } from './webhooks/webhooks.handler';
import { WebhooksService } from './webhooks/webhooks.service';

function auditStoreFor(env: AuditEnvironment, db: DataSource): AuditStore {
  if (env.AUDIT_STORE === 'elasticsearch') {
    if (!env.ELASTICSEARCH_URL) throw new Error('invalid configuration: AUDIT_STORE=elasticsearch needs ELASTICSEARCH_URL');
    return ElasticsearchAuditStore.connect({
      node: env.ELASTICSEARCH_URL,
      prefix: env.AUDIT_ES_INDEX_PREFIX,
      retentionDays: env.AUDIT_RETENTION_DAYS,
    });
  }
  return new PostgresAuditStore(sqlClientOf(db));
}

/** Ingestion from CUBE_AUDIT (and CUBE_AUDIT_NATIVE, Warden's spools), the store, queries, verification, native audit from member clusters, and outbound webhooks. */
@Module({
  // Requests to identity (bindings) and tenancy (a tenant's namespaces and members).
  imports: [ServiceBusModule.forService('audit')],
  controllers: [AuditHandler, WebhooksHandler],
  providers: [
    { provide: AUDIT_STORE, inject: [SERVICE_ENVIRONMENT, DataSource], useFactory: auditStoreFor },
    PlatformAbilities,
    AuditVisibilityPolicy,
    ClusterTokensRepository,
    AuditIngestor,
    NativeAuditIngestor,
    WebhookSecrets,
    WebhookSubscriptionsRepository,
    WebhookDeliveriesRepository,
    WebhooksService,
    WebhookDispatcher,
    WebhookFanout,
    AuditConsumerMetrics,
  ],
})
export class AuditModule {}
