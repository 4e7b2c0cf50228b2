import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { DesiredStateModule } from '../desired-state/desired-state.module';
import { HierarchyModule } from '../hierarchy/hierarchy.module';
import { TenancySharedModule } from '../shared/tenancy-shared.module';
import { NamespacesService } from './namespaces.service';
import { QuotaHandler } from './quota.handler';
import { QuotaUsageRecorder } from './quota-usage.recorder';
import { QuotaUsageRepository } from './quota-usage.repository';
import { TenantQuotasService } from './tenant-quotas.service';

/** Tenant quotas and the namespaces that draw on them (the ledger), and the usage Warden reports. */
@Module({
  imports: [TenancySharedModule, AccessModule, DesiredStateModule, HierarchyModule],
  controllers: [QuotaHandler],
  providers: [NamespacesService, TenantQuotasService, QuotaUsageRepository, QuotaUsageRecorder],
})
export class QuotaModule {}
