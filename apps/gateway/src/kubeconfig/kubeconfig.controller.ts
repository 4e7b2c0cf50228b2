import { Controller, Get, Header, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuthenticatedPrincipal, CubeError } from '@cube/contracts';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { ApiErrors } from '../docs/api-errors';
import { requestIdOf } from '../envelope/envelope.factory';
import { GatewayAddress, KubeconfigIssuer } from './kubeconfig-issuer';
import { KubeconfigQuery } from './kubeconfig-query';
import { NameParam } from '../params/path-params';

const YAML_RESPONSE = {
  description:
    "A kubeconfig whose clusters point at the gateway's native API proxy and whose user holds a new API token of the caller (shown only here; listed and revoked under /api/v1/tokens).",
  content: { 'application/yaml': { schema: { type: 'string' } } },
};

/** Per-user kubeconfigs (API.md "Clusters"): kubectl through the proxy, as the caller. */
@ApiTags('clusters')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/v1')
export class KubeconfigController {
  constructor(private readonly issuer: KubeconfigIssuer) {}

  @Get('clusters/:cluster/kubeconfig')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('application/yaml')
  @ApiOkResponse(YAML_RESPONSE)
  @ApiErrors(400, 404, 409, 422)
  async forCluster(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('cluster') cluster: string,
    @Query() query: KubeconfigQuery,
  ): Promise<string> {
    const issued = await this.issuer.forCluster(actorOf(principal), requestIdOf(req), listeningAddressOf(req), cluster, query);
    if (issued === null) throw new CubeError('NOT_FOUND', `cluster "${cluster}" not found`, { name: cluster });
    return issued;
  }

  @Get('kubeconfig')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('application/yaml')
  @ApiOkResponse(YAML_RESPONSE)
  @ApiErrors(400, 409, 422)
  forAllClusters(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Query() query: KubeconfigQuery,
  ): Promise<string> {
    return this.issuer.forAllClusters(actorOf(principal), requestIdOf(req), listeningAddressOf(req), query);
  }
}

/** The gateway's own listening address (the socket's, not the client-chosen Host header). */
export function listeningAddressOf(req: Request): GatewayAddress {
  return { address: req.socket.localAddress ?? '127.0.0.1', port: req.socket.localPort ?? 0 };
}
