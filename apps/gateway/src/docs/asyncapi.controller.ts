import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { EVENT_CATALOGUE } from '@cube/contracts';
import { buildAsyncApiDocument } from '@cube/messaging';
import { CUBE_VERSION } from '@cube/observability';
import { Public } from '../authn/public.decorator';

/** The event interface for subscribers outside Cube (API.md "Events on NATS"). */
@Public()
@ApiExcludeController()
@Controller('api/docs')
export class AsyncApiController {
  private readonly document = buildAsyncApiDocument([...EVENT_CATALOGUE], { version: CUBE_VERSION });

  @Get('asyncapi.json')
  asyncapi(): unknown {
    return this.document;
  }
}
