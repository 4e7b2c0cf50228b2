import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  AuthenticatedPrincipal,
  CreateUserBody,
  IdentitySubjects,
  Page,
  PageQuery,
  SetPasswordBody,
  UpdateUserBody,
  User,
  UserView,
} from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { ApiErrors } from '../docs/api-errors';
import { ApiPageResponse } from '../docs/api-page-response';
import { envelopeFor } from '../envelope/envelope.factory';
import { NameParam } from '../params/path-params';

@ApiTags('users')
@ApiBearerAuth()
@ApiErrors(401, 503)
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly bus: ServiceRequester) {}

  @Get()
  @ApiPageResponse(UserView, 'Users the caller may see: everyone for a platform admin, else themselves.')
  @ApiErrors(400)
  list(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @Query() page: PageQuery): Promise<Page<User>> {
    return this.bus.request(IdentitySubjects.userList, envelopeFor(req, actorOf(principal), { limit: page.limit, cursor: page.cursor }));
  }

  @Post()
  @ApiCreatedResponse({ type: UserView })
  @ApiErrors(400, 403, 409, 422)
  create(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @Body() body: CreateUserBody): Promise<User> {
    return this.bus.request(IdentitySubjects.userCreate, envelopeFor(req, actorOf(principal), body));
  }

  @Get(':user')
  @ApiOkResponse({ type: UserView })
  @ApiErrors(404)
  get(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @NameParam('user') name: string): Promise<User> {
    return this.bus.request(IdentitySubjects.userGet, envelopeFor(req, actorOf(principal), { name }));
  }

  @Patch(':user')
  @ApiOkResponse({ type: UserView })
  @ApiErrors(400, 403, 404, 422)
  update(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('user') name: string,
    @Body() body: UpdateUserBody,
  ): Promise<User> {
    return this.bus.request(IdentitySubjects.userUpdate, envelopeFor(req, actorOf(principal), { name, body }));
  }

  @Put(':user/password')
  @HttpCode(204)
  @ApiNoContentResponse({ description: "Password changed; the user's refresh tokens are revoked." })
  @ApiErrors(400, 403, 404, 422)
  async setPassword(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @NameParam('user') name: string,
    @Body() body: SetPasswordBody,
  ): Promise<void> {
    await this.bus.request(IdentitySubjects.userSetPassword, envelopeFor(req, actorOf(principal), { name, body }));
  }

  @Delete(':user')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors(403, 404, 422)
  async delete(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @NameParam('user') name: string): Promise<void> {
    await this.bus.request(IdentitySubjects.userDelete, envelopeFor(req, actorOf(principal), { name }));
  }
}
