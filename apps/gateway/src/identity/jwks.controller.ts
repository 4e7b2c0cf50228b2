import { Controller, Get, Header, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { IdentitySubjects, JsonWebKeySet, JsonWebKeySetView } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { Public } from '../authn/public.decorator';
import { ApiErrors } from '../docs/api-errors';
import { envelopeFor } from '../envelope/envelope.factory';

@ApiTags('authentication')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly bus: ServiceRequester) {}

  @Public()
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOkResponse({ type: JsonWebKeySetView, description: 'Public keys that verify Cube access tokens (RFC 7517).' })
  @ApiErrors(503)
  jwks(@Req() req: Request): Promise<JsonWebKeySet> {
    return this.bus.request(IdentitySubjects.jwks, envelopeFor(req, { kind: 'system', name: 'anonymous' }, {}));
  }
}
