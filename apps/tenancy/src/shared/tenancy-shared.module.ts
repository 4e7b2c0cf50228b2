import { Module } from '@nestjs/common';
import { RoleBindingsProjection } from '../access/role-bindings.projection';
import { HierarchyRepository } from '../hierarchy/hierarchy.repository';
import { ClusterRegistry } from '../quota/cluster-registry';
import { LedgerPublisher } from '../quota/ledger-publisher';
import { QuotaLedgerRepository } from '../quota/quota-ledger.repository';
import { RegisteredClusters } from './registered-clusters';
import { TenancyEvents } from './tenancy-events';

const SHARED = [
  HierarchyRepository,
  QuotaLedgerRepository,
  RoleBindingsProjection,
  LedgerPublisher,
  TenancyEvents,
  ClusterRegistry,
  RegisteredClusters,
];

/**
 * What every tenancy feature reads or writes through: the owners of the tables several features
 * read (the hierarchy, the quota ledger, the copy of role bindings), the events outbox with the
 * ledger projection it republishes after each commit, and the clusters registry with the clusters known registered. Hierarchy and quota
 * each need the other's table; both import this module instead of each other, so no cycle.
 */
@Module({ providers: SHARED, exports: SHARED })
export class TenancySharedModule {}
