import { Module } from '@nestjs/common';
import { ServiceBusModule } from '@cube/messaging';
import { BindingSync } from './access/binding-sync';
import { AlertingDelivery } from './alerts/alerting-delivery';
import { AlertsHandler } from './alerts/alerts.handler';
import { AlertsRepository } from './alerts/alerts.repository';
import { AlertsService } from './alerts/alerts.service';
import { RoleBindingsProjection } from './access/role-bindings.projection';
import { TenancyAccess } from './access/tenancy-access';
import { DesiredStateResync } from './desired-state/desired-state-resync';
import { DesiredStateWriter } from './desired-state/desired-state-writer';
import { MemberClusters } from './desired-state/member-clusters';
import { HierarchyRepository } from './hierarchy/hierarchy.repository';
import { NamespaceRemoval } from './hierarchy/namespace-removal';
import { ProjectsHandler } from './hierarchy/projects.handler';
import { ProjectsService } from './hierarchy/projects.service';
import { TenantsHandler } from './hierarchy/tenants.handler';
import { TenantsService } from './hierarchy/tenants.service';
import { ClusterRegistry } from './quota/cluster-registry';
import { LedgerPublisher } from './quota/ledger-publisher';
import { NamespacesService } from './quota/namespaces.service';
import { QuotaHandler } from './quota/quota.handler';
import { QuotaLedgerRepository } from './quota/quota-ledger.repository';
import { QuotaUsageRecorder } from './quota/quota-usage.recorder';
import { QuotaUsageRepository } from './quota/quota-usage.repository';
import { TenantQuotasService } from './quota/tenant-quotas.service';
import { TenancyEvents } from './shared/tenancy-events';

/** Tenants → projects → namespaces, the quota ledger, and the desired state of member clusters. */
@Module({
  // Requests to identity (the binding snapshot) and clusters (the registry) as the system.
  imports: [ServiceBusModule.forService('tenancy')],
  controllers: [TenantsHandler, ProjectsHandler, QuotaHandler, AlertsHandler],
  providers: [
    RoleBindingsProjection,
    TenancyAccess,
    BindingSync,
    HierarchyRepository,
    QuotaLedgerRepository,
    QuotaUsageRepository,
    LedgerPublisher,
    DesiredStateWriter,
    DesiredStateResync,
    MemberClusters,
    TenancyEvents,
    NamespaceRemoval,
    TenantsService,
    ProjectsService,
    NamespacesService,
    TenantQuotasService,
    ClusterRegistry,
    QuotaUsageRecorder,
    AlertsRepository,
    AlertsService,
    AlertingDelivery,
  ],
})
export class TenancyModule {}
