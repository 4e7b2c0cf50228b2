import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Namespace, Page, TenancySubjects, TenantQuota } from '@cube/contracts';
import { Actor } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import {
  CreateNamespacePayload,
  NamespaceListPayload,
  NamespaceRef,
  ProjectPagePayload,
  SetNamespaceQuotaPayload,
  SetTenantQuotaPayload,
  TenantRef,
} from '../shared/refs';
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
  list(@Payload('payload') payload: NamespaceListPayload, @Actor() actor: Actor): Promise<Page<Namespace>> {
    return this.namespaces.list(actor, payload, payload);
  }

  /** The namespaces of one project (`/tenants/{t}/projects/{p}/namespaces`): 404 when the project is not visible. */
  @MessagePattern(TenancySubjects.namespaceListInProject)
  listInProject(@Payload('payload') payload: ProjectPagePayload, @Actor() actor: Actor): Promise<Page<Namespace>> {
    return this.namespaces.list(actor, { tenant: payload.tenant, project: payload.project }, payload, true);
  }

  @MessagePattern(TenancySubjects.namespaceGet)
  get(@Payload('payload') ref: NamespaceRef, @Actor() actor: Actor): Promise<Namespace> {
    return this.namespaces.get(actor, ref);
  }

  @MessagePattern(TenancySubjects.namespaceCreate)
  @Audited({
    action: 'namespace.create',
    target: (p) => {
      const body = (p['body'] ?? {}) as Record<string, unknown>;
      return namespaceTarget({ ...p, namespace: body['name'], cluster: body['cluster'] });
    },
  })
  create(@Payload('payload') payload: CreateNamespacePayload, @Actor() actor: Actor): Promise<Namespace> {
    return this.namespaces.create(actor, payload.tenant, payload.project, payload.body);
  }

  @MessagePattern(TenancySubjects.namespaceDelete)
  @Audited({ action: 'namespace.delete', target: namespaceTarget })
  async delete(@Payload('payload') ref: NamespaceRef, @Actor() actor: Actor): Promise<null> {
    await this.namespaces.delete(actor, ref);
    return null;
  }

  @MessagePattern(TenancySubjects.namespaceQuotaSet)
  @Audited({ action: 'namespace.quota.set', target: (p) => ({ ...namespaceTarget(p), kind: 'Quota' }) })
  setNamespaceQuota(@Payload('payload') payload: SetNamespaceQuotaPayload, @Actor() actor: Actor): Promise<Namespace> {
    const { body, ...ref } = payload;
    return this.namespaces.setQuota(actor, ref, body.hard);
  }

  @MessagePattern(TenancySubjects.tenantQuotaList)
  tenantQuotas(@Payload('payload') ref: TenantRef, @Actor() actor: Actor): Promise<Page<TenantQuota>> {
    return this.quotas.list(actor, ref.tenant);
  }

  @MessagePattern(TenancySubjects.tenantQuotaSet)
  @Audited({
    action: 'tenant.quota.set',
    target: (p) => ({ kind: 'Quota', name: String(p['tenant']), tenant: String(p['tenant']), cluster: String(p['cluster']) }),
  })
  setTenantQuota(@Payload('payload') payload: SetTenantQuotaPayload, @Actor() actor: Actor): Promise<TenantQuota> {
    return this.quotas.set(actor, payload.tenant, payload.cluster, payload.body.hard);
  }
}
