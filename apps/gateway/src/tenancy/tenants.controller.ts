import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  AuthenticatedPrincipal,
  CascadeQuery,
  CreateProjectBody,
  CreateTenantBody,
  Page,
  PageQuery,
  Project,
  ProjectView,
  RoleBinding,
  RoleBindingView,
  TenancySubjects,
  Tenant,
  TenantView,
  UpdateTenancyObjectBody,
} from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { ApiErrors } from '../docs/api-errors';
import { ApiPageResponse } from '../docs/api-page-response';
import { envelopeFor } from '../envelope/envelope.factory';
import { NameParam } from '../params/path-params';

/** Tenants and their projects (API.md "Tenancy"); tenancy decides visibility and rights. */
@ApiTags('tenants and projects')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/v1/tenants')
export class TenantsController {
  constructor(private readonly bus: ServiceRequester) {}

  @Get()
  @ApiPageResponse(TenantView, 'Tenants the caller is bound to (every tenant for platform admins).')
  @ApiErrors(400)
  list(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @Query() page: PageQuery): Promise<Page<Tenant>> {
    return this.bus.request(TenancySubjects.tenantList, envelopeFor(req, actorOf(principal), { limit: page.limit, cursor: page.cursor }));
  }

  @Post()
  @ApiCreatedResponse({ type: TenantView })
  @ApiErrors(400, 403, 409, 422)
  create(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @Body() body: CreateTenantBody): Promise<Tenant> {
    return this.bus.request(TenancySubjects.tenantCreate, envelopeFor(req, actorOf(principal), body));
  }

  @Get(':tenant')
  @ApiOkResponse({ type: TenantView })
  @ApiErrors(404)
  get(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @NameParam('tenant') tenant: string): Promise<Tenant> {
    return this.bus.request(TenancySubjects.tenantGet, envelopeFor(req, actorOf(principal), { tenant }));
  }

  @Patch(':tenant')
  @ApiOkResponse({ type: TenantView })
  @ApiErrors(400, 403, 404, 422)
  update(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @Body() body: UpdateTenancyObjectBody,
  ): Promise<Tenant> {
    return this.bus.request(TenancySubjects.tenantUpdate, envelopeFor(req, actorOf(principal), { tenant, body }));
  }

  @Delete(':tenant')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; with ?cascade=true its projects and namespaces first.' })
  @ApiErrors(400, 403, 404, 409)
  async delete(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @Query() query: CascadeQuery,
  ): Promise<void> {
    await this.bus.request(TenancySubjects.tenantDelete, envelopeFor(req, actorOf(principal), { tenant, cascade: query.cascade === true }));
  }

  @Get(':tenant/members')
  @ApiPageResponse(RoleBindingView, 'Role bindings at this tenant and its projects.')
  @ApiErrors(400, 404)
  members(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @Query() page: PageQuery,
  ): Promise<Page<RoleBinding>> {
    return this.bus.request(
      TenancySubjects.tenantMembers,
      envelopeFor(req, actorOf(principal), { tenant, limit: page.limit, cursor: page.cursor }),
    );
  }

  @Get(':tenant/projects')
  @ApiPageResponse(ProjectView, "Projects of the tenant the caller may see, each with the sum of its namespaces' quotas.")
  @ApiErrors(400, 404)
  listProjects(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @Query() page: PageQuery,
  ): Promise<Page<Project>> {
    return this.bus.request(
      TenancySubjects.projectList,
      envelopeFor(req, actorOf(principal), { tenant, limit: page.limit, cursor: page.cursor }),
    );
  }

  @Post(':tenant/projects')
  @ApiCreatedResponse({ type: ProjectView })
  @ApiErrors(400, 403, 404, 409, 422)
  createProject(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @Body() body: CreateProjectBody,
  ): Promise<Project> {
    return this.bus.request(TenancySubjects.projectCreate, envelopeFor(req, actorOf(principal), { tenant, body }));
  }

  @Get(':tenant/projects/:project')
  @ApiOkResponse({ type: ProjectView })
  @ApiErrors(404)
  getProject(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
  ): Promise<Project> {
    return this.bus.request(TenancySubjects.projectGet, envelopeFor(req, actorOf(principal), { tenant, project }));
  }

  @Patch(':tenant/projects/:project')
  @ApiOkResponse({ type: ProjectView })
  @ApiErrors(400, 403, 404, 422)
  updateProject(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @Body() body: UpdateTenancyObjectBody,
  ): Promise<Project> {
    return this.bus.request(TenancySubjects.projectUpdate, envelopeFor(req, actorOf(principal), { tenant, project, body }));
  }

  @Delete(':tenant/projects/:project')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; with ?cascade=true its namespaces first.' })
  @ApiErrors(400, 403, 404, 409)
  async deleteProject(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @Query() query: CascadeQuery,
  ): Promise<void> {
    await this.bus.request(
      TenancySubjects.projectDelete,
      envelopeFor(req, actorOf(principal), { tenant, project, cascade: query.cascade === true }),
    );
  }
}
