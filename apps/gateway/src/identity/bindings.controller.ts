import { Body, Controller, Delete, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  AuthenticatedPrincipal,
  CreateRoleBindingBody,
  IdentitySubjects,
  ListRoleBindingsQuery,
  MeReply,
  MeView,
  Page,
  RoleBinding,
  RoleBindingView,
  RoleView,
} from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { ApiErrors } from '../docs/api-errors';
import { ApiPageResponse } from '../docs/api-page-response';
import { envelopeFor } from '../envelope/envelope.factory';
import { IdParam } from '../params/path-params';

@ApiTags('roles and bindings')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/v1')
export class BindingsController {
  constructor(private readonly bus: ServiceRequester) {}

  @Get('me')
  @ApiOkResponse({ type: MeView, description: 'The caller, their bindings and their packed CASL rules.' })
  @ApiErrors(403)
  me(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal): Promise<MeReply> {
    return this.bus.request(IdentitySubjects.me, envelopeFor(req, actorOf(principal), {}));
  }

  @Get('roles')
  @ApiPageResponse(RoleView, 'Built-in roles with their platform (CASL) and native (RBAC) rules; one page.')
  roles(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal): Promise<Page<unknown>> {
    return this.bus.request(IdentitySubjects.roleList, envelopeFor(req, actorOf(principal), {}));
  }

  @Get('rolebindings')
  @ApiPageResponse(RoleBindingView, 'Bindings the caller may see, oldest first.')
  @ApiErrors(400)
  list(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Query() query: ListRoleBindingsQuery,
  ): Promise<Page<RoleBinding>> {
    return this.bus.request(IdentitySubjects.bindingList, envelopeFor(req, actorOf(principal), query));
  }

  @Post('rolebindings')
  @ApiCreatedResponse({ type: RoleBindingView })
  @ApiErrors(400, 403, 409, 422)
  create(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Body() body: CreateRoleBindingBody,
  ): Promise<RoleBinding> {
    return this.bus.request(IdentitySubjects.bindingCreate, envelopeFor(req, actorOf(principal), body));
  }

  @Delete('rolebindings/:id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors(400, 403, 404, 409)
  async delete(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @IdParam('id') id: string): Promise<void> {
    await this.bus.request(IdentitySubjects.bindingDelete, envelopeFor(req, actorOf(principal), { id }));
  }
}
