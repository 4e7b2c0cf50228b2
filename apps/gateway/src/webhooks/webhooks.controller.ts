import { Body, Controller, Delete, Get, HttpCode, Inject, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  AuthenticatedPrincipal,
  CreateWebhookBody,
  CubeError,
  Page,
  PageQuery,
  UpdateWebhookBody,
  WebhookDeliveriesQuery,
  WebhookDelivery,
  WebhookDeliveryView,
  WebhookSubjects,
  WebhookSubscription,
  WebhookView,
} from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { GatewayEnvironment } from '../config/gateway-environment';
import { GATEWAY_ENVIRONMENT } from '../config/tokens';
import { ApiErrors } from '../docs/api-errors';
import { ApiPageResponse } from '../docs/api-page-response';
import { envelopeFor } from '../envelope/envelope.factory';
import { listeningAddressOf } from '../kubeconfig/kubeconfig.controller';
import { IdParam } from '../params/path-params';
import { pointsAtGateway } from './gateway-self';

/** Outbound webhooks (platform admins): CUBE_EVENTS events POSTed as signed CloudEvents to an HTTP receiver. */
@ApiTags('webhooks')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly bus: ServiceRequester,
    @Inject(GATEWAY_ENVIRONMENT) private readonly env: GatewayEnvironment,
  ) {}

  @Get()
  @ApiPageResponse(WebhookView, 'Webhook subscriptions, oldest first (platform admins and platform viewers).')
  @ApiErrors(400, 403)
  list(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Query() query: PageQuery,
  ): Promise<Page<WebhookSubscription>> {
    return this.bus.request(WebhookSubjects.list, envelopeFor(req, actorOf(principal), query));
  }

  @Post()
  @ApiCreatedResponse({
    type: WebhookView,
    description: 'Subscribed: matching events from now on are delivered. The secret is never returned.',
  })
  @ApiErrors(400, 403, 422)
  create(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Body() body: CreateWebhookBody,
  ): Promise<WebhookSubscription> {
    this.refuseSelf(req, body.url);
    return this.bus.request(WebhookSubjects.create, envelopeFor(req, actorOf(principal), body));
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookView })
  @ApiErrors(400, 404)
  get(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @IdParam('id') id: string): Promise<WebhookSubscription> {
    return this.bus.request(WebhookSubjects.get, envelopeFor(req, actorOf(principal), { id }));
  }

  @Patch(':id')
  @ApiOkResponse({ type: WebhookView, description: 'Changed; `enabled: true` re-enables a subscription disabled after failures.' })
  @ApiErrors(400, 403, 404, 422)
  update(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @IdParam('id') id: string,
    @Body() body: UpdateWebhookBody,
  ): Promise<WebhookSubscription> {
    if (body.url !== undefined) this.refuseSelf(req, body.url);
    return this.bus.request(WebhookSubjects.update, envelopeFor(req, actorOf(principal), { id, body }));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Unsubscribed; its delivery history is deleted with it.' })
  @ApiErrors(400, 403, 404)
  async delete(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @IdParam('id') id: string): Promise<void> {
    await this.bus.request(WebhookSubjects.delete, envelopeFor(req, actorOf(principal), { id }));
  }

  @Get(':id/deliveries')
  @ApiPageResponse(WebhookDeliveryView, 'Deliveries of this subscription, newest first: state, attempts, last status or error.')
  @ApiErrors(400, 404)
  deliveries(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @IdParam('id') id: string,
    @Query() query: WebhookDeliveriesQuery,
  ): Promise<Page<WebhookDelivery>> {
    return this.bus.request(WebhookSubjects.deliveries, envelopeFor(req, actorOf(principal), { ...query, id }));
  }

  private refuseSelf(req: Request, url: string): void {
    if (pointsAtGateway(url, this.env.CUBE_PUBLIC_URL, listeningAddressOf(req), this.env.CUBE_HTTP_HOST))
      throw new CubeError('UNPROCESSABLE', 'a webhook must not point at the Cube gateway itself', {
        reason: 'webhook_url_is_gateway',
        fields: [{ field: 'url', problems: ['url points at the Cube gateway itself'] }],
      });
  }
}
