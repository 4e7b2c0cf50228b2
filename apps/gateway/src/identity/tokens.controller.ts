import { Body, Controller, Delete, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  ApiTokenItemView,
  ApiTokenView,
  AuthenticatedPrincipal,
  CreateApiTokenBody,
  CreatedApiToken,
  CreatedApiTokenView,
  IdentitySubjects,
  Page,
  PageQuery,
} from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { ApiErrors } from '../docs/api-errors';
import { ApiPageResponse } from '../docs/api-page-response';
import { envelopeFor } from '../envelope/envelope.factory';
import { IdParam } from '../params/path-params';

@ApiTags('tokens')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/v1/tokens')
export class TokensController {
  constructor(private readonly bus: ServiceRequester) {}

  @Get()
  @ApiPageResponse(ApiTokenItemView, "The caller's API tokens, without their secrets, oldest first.")
  @ApiErrors(400)
  list(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @Query() page: PageQuery): Promise<Page<ApiTokenView>> {
    return this.bus.request(IdentitySubjects.tokenList, envelopeFor(req, actorOf(principal), { limit: page.limit, cursor: page.cursor }));
  }

  @Post()
  @ApiCreatedResponse({ type: CreatedApiTokenView, description: 'The token secret is shown only in this response.' })
  @ApiErrors(400, 409, 422)
  create(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Body() body: CreateApiTokenBody,
  ): Promise<CreatedApiToken> {
    return this.bus.request(IdentitySubjects.tokenCreate, envelopeFor(req, actorOf(principal), body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked; the gateway refuses it within 10 seconds.' })
  @ApiErrors(400, 404)
  async revoke(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @IdParam('id') id: string): Promise<void> {
    await this.bus.request(IdentitySubjects.tokenRevoke, envelopeFor(req, actorOf(principal), { id }));
  }
}
