import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags, IntersectionType } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  AuthenticatedPrincipal,
  CreateNamespaceBody,
  ListNamespacesQuery,
  Namespace,
  NamespaceView,
  Page,
  PageQuery,
  QuotaBody,
  TenancySubjects,
  TenantQuota,
  TenantQuotaView,
} from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { ApiErrors } from '../docs/api-errors';
import { ApiPageResponse } from '../docs/api-page-response';
import { envelopeFor } from '../envelope/envelope.factory';
import { NameParam } from '../params/path-params';

/** `?cluster=&tenant=&project=` plus `limit` and `cursor`: one query DTO, since unknown query fields are refused. */
class ListNamespacesPageQuery extends IntersectionType(ListNamespacesQuery, PageQuery) {}

const NAMESPACE_PATH = 'tenants/:tenant/projects/:project/namespaces/:cluster/:namespace';

/** Namespaces and the quota ledger (API.md "Tenancy"). */
@ApiTags('namespaces and quotas')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/v1')
export class NamespacesController {
  constructor(private readonly bus: ServiceRequester) {}

  @Get('namespaces')
  @ApiPageResponse(NamespaceView, 'Every namespace the caller can see, optionally of one cluster, tenant or project.')
  @ApiErrors(400, 422)
  listAll(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Query() query: ListNamespacesPageQuery,
  ): Promise<Page<Namespace>> {
    return this.bus.request(TenancySubjects.namespaceList, envelopeFor(req, actorOf(principal), { ...query }));
  }

  @Get('tenants/:tenant/projects/:project/namespaces')
  @ApiPageResponse(NamespaceView, 'Namespaces of the project, ordered by cluster and name.')
  @ApiErrors(400, 404)
  list(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @Query() page: PageQuery,
  ): Promise<Page<Namespace>> {
    return this.bus.request(TenancySubjects.namespaceListInProject, envelopeFor(req, actorOf(principal), { tenant, project, ...page }));
  }

  @Post('tenants/:tenant/projects/:project/namespaces')
  @ApiCreatedResponse({ type: NamespaceView })
  @ApiErrors(400, 403, 404, 409, 422)
  create(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @Body() body: CreateNamespaceBody,
  ): Promise<Namespace> {
    return this.bus.request(TenancySubjects.namespaceCreate, envelopeFor(req, actorOf(principal), { tenant, project, body }));
  }

  @Get(NAMESPACE_PATH)
  @ApiOkResponse({ type: NamespaceView })
  @ApiErrors(404)
  get(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @NameParam('cluster') cluster: string,
    @NameParam('namespace') namespace: string,
  ): Promise<Namespace> {
    return this.bus.request(TenancySubjects.namespaceGet, envelopeFor(req, actorOf(principal), { tenant, project, cluster, namespace }));
  }

  @Delete(NAMESPACE_PATH)
  @HttpCode(204)
  @ApiNoContentResponse({ description: "Deleted: its quota is freed and its objects leave the cluster's desired state." })
  @ApiErrors(403, 404)
  async delete(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @NameParam('cluster') cluster: string,
    @NameParam('namespace') namespace: string,
  ): Promise<void> {
    await this.bus.request(TenancySubjects.namespaceDelete, envelopeFor(req, actorOf(principal), { tenant, project, cluster, namespace }));
  }

  @Put(`${NAMESPACE_PATH}/quota`)
  @ApiOkResponse({ type: NamespaceView, description: 'The namespace with its new share; 409 with what is free when it does not fit.' })
  @ApiErrors(400, 403, 404, 409, 422)
  setQuota(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @NameParam('cluster') cluster: string,
    @NameParam('namespace') namespace: string,
    @Body() body: QuotaBody,
  ): Promise<Namespace> {
    return this.bus.request(
      TenancySubjects.namespaceQuotaSet,
      envelopeFor(req, actorOf(principal), { tenant, project, cluster, namespace, body }),
    );
  }

  @Get('tenants/:tenant/quotas')
  @ApiOkResponse({ type: TenantQuotaView, isArray: true, description: 'Per cluster: hard, allocated, free, used.' })
  @ApiErrors(404)
  quotas(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
  ): Promise<TenantQuota[]> {
    return this.bus.request(TenancySubjects.tenantQuotaList, envelopeFor(req, actorOf(principal), { tenant })).then((page) => page.items);
  }

  @Put('tenants/:tenant/quotas/:cluster')
  @ApiOkResponse({
    type: TenantQuotaView,
    description: "The tenant's quota in the cluster; 409 with the shortfall when namespaces hold more.",
  })
  @ApiErrors(400, 403, 404, 409, 422)
  setTenantQuota(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('cluster') cluster: string,
    @Body() body: QuotaBody,
  ): Promise<TenantQuota> {
    return this.bus.request(TenancySubjects.tenantQuotaSet, envelopeFor(req, actorOf(principal), { tenant, cluster, body }));
  }
}
