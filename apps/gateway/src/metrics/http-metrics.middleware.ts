import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { CubeMetrics } from '@cube/observability';

/** Observes every HTTP request by route template (not raw path, to keep label cardinality bounded). */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: CubeMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const stop = this.metrics.httpRequestDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      stop({ method: req.method, route, status_code: String(res.statusCode) });
    });
    next();
  }
}
