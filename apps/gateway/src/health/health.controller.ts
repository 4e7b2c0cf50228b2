import { Controller, Get, HttpStatus, Req, Res } from '@nestjs/common';
import { Public } from '../authn/public.decorator';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { LivenessView, ReadinessView } from '@cube/contracts';
import { Readiness, ReadinessService } from './readiness.service';
import { requestIdOf } from '../envelope/envelope.factory';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('healthz')
  @ApiOkResponse({ type: LivenessView, description: 'The gateway process is alive.' })
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @ApiOkResponse({ type: ReadinessView, description: 'NATS is connected and every control-plane service answers its ping.' })
  @ApiServiceUnavailableResponse({
    type: ReadinessView,
    description:
      'Not ready. `degraded`: NATS is up but a service has no replica answering (`missing`) or reports a dependency down ' +
      '(`degraded`); `unavailable`: the gateway has no NATS connection.',
  })
  async readyz(@Req() req: Request, @Res() res: Response): Promise<void> {
    const readiness = await this.readiness.check(requestIdOf(req));
    const { ready, ...body } = readiness;
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({ status: readinessStatus(readiness), ...body });
  }
}

/**
 * `degraded` while NATS is up and only some services lack an answering replica (the others keep
 * serving), `unavailable` when the gateway has no NATS at all. Both are 503 with `missing`, as API.md says.
 */
export function readinessStatus(readiness: Readiness): ReadinessView['status'] {
  if (readiness.ready) return 'ready';
  return readiness.nats === 'up' ? 'degraded' : 'unavailable';
}
