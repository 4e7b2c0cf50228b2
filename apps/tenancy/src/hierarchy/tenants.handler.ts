import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CreateTenantBody, Page, PageQuery, RoleBinding, TenancySubjects, Tenant } from '@cube/contracts';
import { Actor } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { DeleteTenantPayload, TenantPagePayload, TenantRef, UpdateTenantPayload } from '../shared/refs';
import { TenantsService } from './tenants.service';

@Controller()
export class TenantsHandler {
  constructor(private readonly tenants: TenantsService) {}

  @MessagePattern(TenancySubjects.tenantList)
  list(@Payload('payload') query: PageQuery, @Actor() actor: Actor): Promise<Page<Tenant>> {
    return this.tenants.list(actor, query);
  }

  @MessagePattern(TenancySubjects.tenantGet)
  get(@Payload('payload') ref: TenantRef, @Actor() actor: Actor): Promise<Tenant> {
    return this.tenants.get(actor, ref.tenant);
  }

  @MessagePattern(TenancySubjects.tenantCreate)
  @Audited({ action: 'tenant.create', target: (p) => ({ kind: 'Tenant', name: String(p['name']) }) })
  create(@Payload('payload') body: CreateTenantBody, @Actor() actor: Actor): Promise<Tenant> {
    return this.tenants.create(actor, body);
  }

  @MessagePattern(TenancySubjects.tenantUpdate)
  @Audited({ action: 'tenant.update', target: (p) => ({ kind: 'Tenant', name: String(p['tenant']) }) })
  update(@Payload('payload') payload: UpdateTenantPayload, @Actor() actor: Actor): Promise<Tenant> {
    return this.tenants.update(actor, payload.tenant, payload.body);
  }

  @MessagePattern(TenancySubjects.tenantDelete)
  @Audited({ action: 'tenant.delete', target: (p) => ({ kind: 'Tenant', name: String(p['tenant']), cascade: p['cascade'] === true }) })
  async delete(@Payload('payload') payload: DeleteTenantPayload, @Actor() actor: Actor): Promise<null> {
    await this.tenants.delete(actor, payload.tenant, payload.cascade === true);
    return null;
  }

  @MessagePattern(TenancySubjects.tenantMembers)
  members(@Payload('payload') payload: TenantPagePayload, @Actor() actor: Actor): Promise<Page<RoleBinding>> {
    return this.tenants.members(actor, payload.tenant, payload);
  }
}
