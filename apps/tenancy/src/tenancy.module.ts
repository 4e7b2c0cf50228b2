import { Module } from '@nestjs/common';
import { ServiceBusModule } from '@cube/messaging';
import { AccessModule } from './access/access.module';
import { AlertsModule } from './alerts/alerts.module';
import { DesiredStateModule } from './desired-state/desired-state.module';
import { HierarchyModule } from './hierarchy/hierarchy.module';
import { QuotaModule } from './quota/quota.module';
import { TenancySharedModule } from './shared/tenancy-shared.module';

/**
 * Tenants → projects → namespaces, the quota ledger, and the desired state of member clusters, as
 * feature modules with explicit exports. They import one another one way only (shared ← desired
 * state ← access ← hierarchy ← quota; alerts on shared and access), so no forwardRef.
 */
@Module({
  imports: [
    // Requests to identity (the binding snapshot) and clusters (the registry) as the system.
    ServiceBusModule.forService('tenancy'),
    TenancySharedModule,
    DesiredStateModule,
    AccessModule,
    HierarchyModule,
    QuotaModule,
    AlertsModule,
  ],
})
export class TenancyModule {}
