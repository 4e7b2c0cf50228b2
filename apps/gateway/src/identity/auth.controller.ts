import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags, ApiNoContentResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { IdentitySubjects, LoginBody, RefreshBody, TokenPair, TokenPairView } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { clientIpOf } from '../authn/principal';
import { Public } from '../authn/public.decorator';
import { ApiErrors } from '../docs/api-errors';
import { envelopeFor } from '../envelope/envelope.factory';

const ANONYMOUS = { kind: 'system', name: 'anonymous' } as const;

@ApiTags('authentication')
@Public()
@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly bus: ServiceRequester) {}

  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairView })
  @ApiErrors(400, 401, 409, 422, 429, 503)
  login(@Req() req: Request, @Body() body: LoginBody): Promise<TokenPair> {
    return this.bus.request(IdentitySubjects.login, envelopeFor(req, ANONYMOUS, { ...body, clientIp: clientIpOf(req) }));
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairView })
  @ApiErrors(400, 401, 503)
  refresh(@Req() req: Request, @Body() body: RefreshBody): Promise<TokenPair> {
    return this.bus.request(IdentitySubjects.refresh, envelopeFor(req, ANONYMOUS, body));
  }

  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The refresh token and its family are revoked.' })
  @ApiErrors(400, 503)
  async logout(@Req() req: Request, @Body() body: RefreshBody): Promise<void> {
    await this.bus.request(IdentitySubjects.logout, envelopeFor(req, ANONYMOUS, body));
  }
}
