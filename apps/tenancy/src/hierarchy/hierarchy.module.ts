import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { DesiredStateModule } from '../desired-state/desired-state.module';
import { TenancySharedModule } from '../shared/tenancy-shared.module';
import { NamespaceRemoval } from './namespace-removal';
import { ProjectsHandler } from './projects.handler';
import { ProjectsService } from './projects.service';
import { TenantsHandler } from './tenants.handler';
import { TenantsService } from './tenants.service';

/** Tenants and projects (their handlers), and the removal of namespaces a deletion takes with it. */
@Module({
  imports: [TenancySharedModule, AccessModule, DesiredStateModule],
  controllers: [TenantsHandler, ProjectsHandler],
  providers: [TenantsService, ProjectsService, NamespaceRemoval],
  exports: [NamespaceRemoval],
})
export class HierarchyModule {}
