import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Envelope, Namespace, Page, TenancySubjects, TenantQuota } from '@cube/contracts';
import { validatePayload } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { CreateNamespacePayload, NamespaceListPayload, NamespaceRef, ProjectPagePayload, SetNamespaceQuotaPayload, SetTenantQuotaPayload, TenantRef } from '../shared/refs';
import { NamespacesService } from './namespaces.service';
import { TenantQuotasService } from './tenant-quotas.service';

const namespaceTarget = (p: Record<string, unknown>) => ({
  kind: 'Namespace',
  name: String(p['namespace']),
  cluster: String(p['cluster']),
  tenant: String(p['tenant']),
  project: String(p['project']),
});

/** Namespaces and quotas: the ledger's entry points. */
@Controller()
export class QuotaHandler {
  constructor(
    private readonly namespaces: NamespacesService,
    private readonly quotas: TenantQuotasService,
  ) {}

  @MessagePattern(TenancySubjects.namespaceList)
  list(@Payload() envelope: Envelope): Promise<Page<Namespace>> {
    const payload = validatePayload(NamespaceListPayload, envelope.payload);
    return this.namespaces.list(envelope.actor, payload, payload);
  }

  /** The namespaces of one project (`/tenants/{t}/projects/{p}/namespaces`): 404 when the project is not visible. */
  @MessagePattern(TenancySubjects.namespaceListInProject)
  listInProject(@Payload() envelope: Envelope): Promise<Page<Namespace>> {
    const payload = validatePayload(ProjectPagePayload, envelope.payload);
    return this.namespaces.list(envelope.actor, { tenant: payload.tenant, project: payload.project }, payload, true);
  }

  @MessagePattern(TenancySubjects.namespaceGet)
  get(@Payload() envelope: Envelope): Promise<Namespace> {
    return this.namespaces.get(envelope.actor, validatePayload(NamespaceRef, envelope.payload));
  }

  @MessagePattern(TenancySubjects.namespaceCreate)
  @Audited({
    action: 'namespace.create',
    target: (p) => {
      const body = (p['body'] ?? {}) as Record<string, unknown>;
      return namespaceTarget({ ...p, namespace: body['name'], cluster: body['cluster'] });
    },
  })
  create(@Payload() envelope: Envelope): Promise<Namespace> {
    const payload = validatePayload(CreateNamespacePayload, envelope.payload);
    return this.namespaces.create(envelope.actor, payload.tenant, payload.project, payload.body);
  }

  @MessagePattern(TenancySubjects.namespaceDelete)
  @Audited({ action: 'namespace.delete', target: namespaceTarget })
  async delete(@Payload() envelope: Envelope): Promise<null> {
    await this.namespaces.delete(envelope.actor, validatePayload(NamespaceRef, envelope.payload));
    return null;
  }

  @MessagePattern(TenancySubjects.namespaceQuotaSet)
  @Audited({ action: 'namespace.quota.set', target: (p) => ({ ...namespaceTarget(p), kind: 'Quota' }) })
  setNamespaceQuota(@Payload() envelope: Envelope): Promise<Namespace> {
    const { body, ...ref } = validatePayload(SetNamespaceQuotaPayload, envelope.payload);
    return this.namespaces.setQuota(envelope.actor, ref, body.hard);
  }

  @MessagePattern(TenancySubjects.tenantQuotaList)
  tenantQuotas(@Payload() envelope: Envelope): Promise<Page<TenantQuota>> {
    return this.quotas.list(envelope.actor, validatePayload(TenantRef, envelope.payload).tenant);
  }

  @MessagePattern(TenancySubjects.tenantQuotaSet)
  @Audited({ action: 'tenant.quota.set', target: (p) => ({ kind: 'Quota', name: String(p['tenant']), tenant: String(p['tenant']), cluster: String(p['cluster']) }) })
  setTenantQuota(@Payload() envelope: Envelope): Promise<TenantQuota> {
    const payload = validatePayload(SetTenantQuotaPayload, envelope.payload);
    return this.quotas.set(envelope.actor, payload.tenant, payload.cluster, payload.body.hard);
  }
}
