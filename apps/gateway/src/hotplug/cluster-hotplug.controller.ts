import { Body, Controller, Delete, Get, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { NameParam } from '../params/path-params';
import type { Request } from 'express';
import {
  AuthenticatedPrincipal,
  ClusterComponentItemView,
  ClusterComponentsView,
  ClusterComponentView,
  ComponentOverrideBody,
  HotplugSubjects,
} from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { ApiErrors } from '../docs/api-errors';
import { envelopeFor } from '../envelope/envelope.factory';

const DELIVERY_TIMEOUT_MS = 30_000;

@ApiTags('hotplug')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/v1/clusters/:cluster/hotplug')
export class ClusterHotplugController {
  constructor(private readonly bus: ServiceRequester) {}

  @Get()
  @ApiOkResponse({
    type: ClusterComponentsView,
    description: 'Every component in this cluster with its phase; callers who may not change components get name and phase only.',
  })
  @ApiErrors(404)
  list(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('cluster') cluster: string,
  ): Promise<{ items: ClusterComponentView[] }> {
    return this.bus.request(HotplugSubjects.clusterComponents, envelopeFor(req, actorOf(principal), { cluster }));
  }

  @Put(':component')
  @ApiOkResponse({
    type: ClusterComponentItemView,
    description: 'Override stored (values deep-merged over the defaults and validated) and the cluster re-rendered.',
  })
  @ApiErrors(400, 404, 422)
  set(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('cluster') cluster: string,
    @NameParam('component') component: string,
    @Body() body: ComponentOverrideBody,
  ): Promise<ClusterComponentView> {
    return this.bus.request(
      HotplugSubjects.overrideSet,
      envelopeFor(req, actorOf(principal), { cluster, component, body }),
      DELIVERY_TIMEOUT_MS,
    );
  }

  @Delete(':component')
  @ApiOkResponse({ type: ClusterComponentItemView, description: 'Override removed: the component follows the platform defaults again.' })
  @ApiErrors(404)
  reset(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('cluster') cluster: string,
    @NameParam('component') component: string,
  ): Promise<ClusterComponentView> {
    return this.bus.request(
      HotplugSubjects.overrideDelete,
      envelopeFor(req, actorOf(principal), { cluster, component }),
      DELIVERY_TIMEOUT_MS,
    );
  }
}
