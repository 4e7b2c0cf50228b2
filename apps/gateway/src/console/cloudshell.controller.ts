import { Body, Controller, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuthenticatedPrincipal, CreateCloudShellBody, OpenedConsoleSession } from '@cube/contracts';
import { CurrentPrincipal } from '../authn/principal';
import { ApiErrors } from '../docs/api-errors';
import { requestIdOf } from '../envelope/envelope.factory';
import { listeningAddressOf } from '../kubeconfig/kubeconfig.controller';
import { CloudShells } from './cloud-shells';
import { CONSOLE_PREFIX } from './console-stream';

@ApiTags('console')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/v1/cloudshell/sessions')
export class CloudShellController {
  constructor(private readonly shells: CloudShells) {}

  @Post()
  @ApiOperation({
    summary: 'Open a CloudShell: bash with kubectl pointed at Cube, as the caller',
    description:
      "Starts a pod of the caller's own in the member's `cube-cloudshell` namespace with a kubeconfig for every cluster the caller reaches (a token of theirs, revoked when the shell ends). Attach through the same stream as a console session.",
  })
  @ApiCreatedResponse({ type: OpenedConsoleSession })
  @ApiErrors(400, 404, 422, 429)
  async create(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Body() body: CreateCloudShellBody,
  ): Promise<OpenedConsoleSession> {
    const opened = await this.shells.open(principal, body.cluster, requestIdOf(req), listeningAddressOf(req));
    return { ...opened, streamUrl: `${CONSOLE_PREFIX}${opened.id}/stream?ticket=${encodeURIComponent(opened.ticket)}` };
  }
}
