import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  AuthenticatedPrincipal,
  ClusterItemView,
  ClustersSubjects,
  ClusterView,
  Page,
  PageQuery,
  RegisterClusterBody,
  UpdateClusterBody,
} from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { ApiErrors } from '../docs/api-errors';
import { ApiPageResponse } from '../docs/api-page-response';
import { envelopeFor } from '../envelope/envelope.factory';
import { NameParam } from '../params/path-params';

/** Registration connects to the member cluster and installs Warden: several API calls, so a longer deadline. */
const REGISTRATION_TIMEOUT_MS = 60_000;

@ApiTags('clusters')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/v1/clusters')
export class ClustersController {
  constructor(private readonly bus: ServiceRequester) {}

  @Get()
  @ApiPageResponse(ClusterItemView, 'Registered member clusters the caller may see.')
  @ApiErrors(400)
  list(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @Query() page: PageQuery): Promise<Page<ClusterView>> {
    return this.bus.request(ClustersSubjects.list, envelopeFor(req, actorOf(principal), { limit: page.limit, cursor: page.cursor }));
  }

  @Post()
  @ApiCreatedResponse({
    type: ClusterItemView,
    description: 'Connected, credentials sealed, Warden installed; `pending` until its first heartbeat.',
  })
  @ApiErrors(400, 403, 409, 422)
  register(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Body() body: RegisterClusterBody,
  ): Promise<ClusterView> {
    return this.bus.request(ClustersSubjects.register, envelopeFor(req, actorOf(principal), body), REGISTRATION_TIMEOUT_MS);
  }

  @Get(':cluster')
  @ApiOkResponse({ type: ClusterItemView })
  @ApiErrors(404)
  get(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('cluster') name: string,
  ): Promise<ClusterView> {
    return this.bus.request(ClustersSubjects.get, envelopeFor(req, actorOf(principal), { name }));
  }

  @Patch(':cluster')
  @ApiOkResponse({
    type: ClusterItemView,
    description: 'Display name, description or kubeconfig changed; a new kubeconfig is checked by connecting, as at registration.',
  })
  @ApiErrors(400, 403, 404, 422)
  update(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('cluster') name: string,
    @Body() body: UpdateClusterBody,
  ): Promise<ClusterView> {
    return this.bus.request(ClustersSubjects.update, envelopeFor(req, actorOf(principal), { name, body }), REGISTRATION_TIMEOUT_MS);
  }

  @Delete(':cluster')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Warden removed from the cluster (best effort) and the cluster forgotten.' })
  @ApiErrors(403, 404)
  async unregister(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('cluster') name: string,
  ): Promise<void> {
    await this.bus.request(ClustersSubjects.unregister, envelopeFor(req, actorOf(principal), { name }), REGISTRATION_TIMEOUT_MS);
  }
}
