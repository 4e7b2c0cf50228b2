import { Module } from '@nestjs/common';
import { DesiredStateModule } from '../desired-state/desired-state.module';
import { TenancySharedModule } from '../shared/tenancy-shared.module';
import { BindingSync } from './binding-sync';
import { TenancyAccess } from './tenancy-access';

/** Who may do what in tenancy: the ability checks, and the sync of identity's role bindings into tenancy and desired state. */
@Module({
  imports: [TenancySharedModule, DesiredStateModule],
  providers: [TenancyAccess, BindingSync],
  exports: [TenancyAccess],
})
export class AccessModule {}
