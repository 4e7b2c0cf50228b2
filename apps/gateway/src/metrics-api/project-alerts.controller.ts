import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  AlertReceiver,
  AlertReceiverBody,
  AlertRule,
  AlertRuleBody,
  AlertSubjects,
  AuthenticatedPrincipal,
  FiringAlert,
  Page,
  PageQuery,
} from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { ApiErrors } from '../docs/api-errors';
import { ApiPageResponse } from '../docs/api-page-response';
import { envelopeFor } from '../envelope/envelope.factory';
import { NameParam } from '../params/path-params';

/**
 * A project's alert rules, receivers and firing alerts (API.md "Metrics and alerts"), owned by tenancy:
 * whoever sees the project reads them, project and tenant admins write them.
 */
@ApiTags('alerts')
@ApiBearerAuth()
@ApiErrors(401, 404, 503)
@Controller('api/v1/tenants/:tenant/projects/:project/alerts')
export class ProjectAlertsController {
  constructor(private readonly bus: ServiceRequester) {}

  @Get()
  @ApiPageResponse(FiringAlert, "The project's alerts firing now.")
  firing(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
  ): Promise<Page<FiringAlert>> {
    return this.bus.request(AlertSubjects.firing, envelopeFor(req, actorOf(principal), { tenant, project }));
  }

  @Get('rules')
  @ApiPageResponse(AlertRule, "The project's alert rules by name.")
  @ApiErrors(400)
  listRules(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @Query() page: PageQuery,
  ): Promise<Page<AlertRule>> {
    return this.bus.request(AlertSubjects.ruleList, envelopeFor(req, actorOf(principal), { tenant, project, ...page }));
  }

  @Post('rules')
  @ApiCreatedResponse({ type: AlertRule, description: "Stored, scoped to the project's namespaces and delivered to the evaluator." })
  @ApiErrors(400, 403, 409, 422)
  createRule(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @Body() body: AlertRuleBody,
  ): Promise<AlertRule> {
    return this.bus.request(AlertSubjects.ruleCreate, envelopeFor(req, actorOf(principal), { tenant, project, body }));
  }

  @Get('rules/:rule')
  @ApiOkResponse({ type: AlertRule })
  getRule(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @NameParam('rule') rule: string,
  ): Promise<AlertRule> {
    return this.bus.request(AlertSubjects.ruleGet, envelopeFor(req, actorOf(principal), { tenant, project, rule }));
  }

  @Put('rules/:rule')
  @ApiOkResponse({ type: AlertRule })
  @ApiErrors(400, 403, 422)
  updateRule(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @NameParam('rule') rule: string,
    @Body() body: AlertRuleBody,
  ): Promise<AlertRule> {
    return this.bus.request(AlertSubjects.ruleUpdate, envelopeFor(req, actorOf(principal), { tenant, project, rule, body }));
  }

  @Delete('rules/:rule')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted and withdrawn from the evaluator.' })
  @ApiErrors(400, 403)
  async deleteRule(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @NameParam('rule') rule: string,
  ): Promise<void> {
    await this.bus.request(AlertSubjects.ruleDelete, envelopeFor(req, actorOf(principal), { tenant, project, rule }));
  }

  @Get('receivers')
  @ApiPageResponse(AlertReceiver, "The project's alert receivers by name.")
  @ApiErrors(400)
  listReceivers(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @Query() page: PageQuery,
  ): Promise<Page<AlertReceiver>> {
    return this.bus.request(AlertSubjects.receiverList, envelopeFor(req, actorOf(principal), { tenant, project, ...page }));
  }

  @Post('receivers')
  @ApiCreatedResponse({ type: AlertReceiver, description: "Stored; the project's alerts are routed to it." })
  @ApiErrors(400, 403, 409, 422)
  createReceiver(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @Body() body: AlertReceiverBody,
  ): Promise<AlertReceiver> {
    return this.bus.request(AlertSubjects.receiverCreate, envelopeFor(req, actorOf(principal), { tenant, project, body }));
  }

  @Get('receivers/:receiver')
  @ApiOkResponse({ type: AlertReceiver })
  getReceiver(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @NameParam('receiver') receiver: string,
  ): Promise<AlertReceiver> {
    return this.bus.request(AlertSubjects.receiverGet, envelopeFor(req, actorOf(principal), { tenant, project, receiver }));
  }

  @Put('receivers/:receiver')
  @ApiOkResponse({ type: AlertReceiver })
  @ApiErrors(400, 403, 422)
  updateReceiver(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @NameParam('receiver') receiver: string,
    @Body() body: AlertReceiverBody,
  ): Promise<AlertReceiver> {
    return this.bus.request(AlertSubjects.receiverUpdate, envelopeFor(req, actorOf(principal), { tenant, project, receiver, body }));
  }

  @Delete('receivers/:receiver')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted; alerts are no longer sent to it.' })
  @ApiErrors(400, 403)
  async deleteReceiver(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('tenant') tenant: string,
    @NameParam('project') project: string,
    @NameParam('receiver') receiver: string,
  ): Promise<void> {
    await this.bus.request(AlertSubjects.receiverDelete, envelopeFor(req, actorOf(principal), { tenant, project, receiver }));
  }
}
