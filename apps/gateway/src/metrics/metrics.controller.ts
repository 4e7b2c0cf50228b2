import { Controller, Get, Res } from '@nestjs/common';
import { Public } from '../authn/public.decorator';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CubeMetrics } from '@cube/observability';

@ApiTags('health')
@Public()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: CubeMetrics) {}

  @Get('metrics')
  @ApiOkResponse({ description: 'Prometheus text exposition format.' })
  async metricsText(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.metrics.contentType);
    res.send(await this.metrics.render());
  }
}
