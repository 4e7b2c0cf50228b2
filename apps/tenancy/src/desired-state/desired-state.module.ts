import { Module } from '@nestjs/common';
import { TenancySharedModule } from '../shared/tenancy-shared.module';
import { ClusterLifecycle } from './cluster-lifecycle';
import { DesiredStateResync } from './desired-state-resync';
import { DesiredStateWriter } from './desired-state-writer';
import { MemberClusters } from './member-clusters';

/** The desired state of member clusters (`cube-desired-<cluster>`): writes, the per-cluster resync, the buckets' lifecycle with their clusters. */
@Module({
  imports: [TenancySharedModule],
  providers: [DesiredStateWriter, MemberClusters, DesiredStateResync, ClusterLifecycle],
  exports: [DesiredStateWriter, MemberClusters],
})
export class DesiredStateModule {}
