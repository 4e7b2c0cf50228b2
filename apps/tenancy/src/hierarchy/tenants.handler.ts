import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CreateTenantBody, Envelope, Page, PageQuery, RoleBinding, TenancySubjects, Tenant } from '@cube/contracts';
import { validatePayload } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { DeleteTenantPayload, TenantPagePayload, TenantRef, UpdateTenantPayload } from '../shared/refs';
import { TenantsService } from './tenants.service';

@Controller()
export class TenantsHandler {
  constructor(private readonly tenants: TenantsService) {}

  @MessagePattern(TenancySubjects.tenantList)
  list(@Payload() envelope: Envelope): Promise<Page<Tenant>> {
    return this.tenants.list(envelope.actor, validatePayload(PageQuery, envelope.payload));
  }

  @MessagePattern(TenancySubjects.tenantGet)
  get(@Payload() envelope: Envelope): Promise<Tenant> {
    return this.tenants.get(envelope.actor, validatePayload(TenantRef, envelope.payload).tenant);
  }

  @MessagePattern(TenancySubjects.tenantCreate)
  @Audited({ action: 'tenant.create', target: (p) => ({ kind: 'Tenant', name: String(p['name']) }) })
  create(@Payload() envelope: Envelope): Promise<Tenant> {
    return this.tenants.create(envelope.actor, validatePayload(CreateTenantBody, envelope.payload));
  }

  @MessagePattern(TenancySubjects.tenantUpdate)
  @Audited({ action: 'tenant.update', target: (p) => ({ kind: 'Tenant', name: String(p['tenant']) }) })
  update(@Payload() envelope: Envelope): Promise<Tenant> {
    const payload = validatePayload(UpdateTenantPayload, envelope.payload);
    return this.tenants.update(envelope.actor, payload.tenant, payload.body);
  }

  @MessagePattern(TenancySubjects.tenantDelete)
  @Audited({ action: 'tenant.delete', target: (p) => ({ kind: 'Tenant', name: String(p['tenant']), cascade: p['cascade'] === true }) })
  async delete(@Payload() envelope: Envelope): Promise<null> {
    const payload = validatePayload(DeleteTenantPayload, envelope.payload);
    await this.tenants.delete(envelope.actor, payload.tenant, payload.cascade === true);
    return null;
  }

  @MessagePattern(TenancySubjects.tenantMembers)
  members(@Payload() envelope: Envelope): Promise<Page<RoleBinding>> {
    const payload = validatePayload(TenantPagePayload, envelope.payload);
    return this.tenants.members(envelope.actor, payload.tenant, payload);
  }
}
