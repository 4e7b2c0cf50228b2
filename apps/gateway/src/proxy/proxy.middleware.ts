import { Injectable, NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import { requestIdOf } from '../envelope/envelope.factory';
import { KubeApiProxy } from './kube-api-proxy';

/**
 * Serves `/api/v1/proxy/clusters/*` below Nest's routing when a request takes the Express path (an
 * Origin with CORS on; the rest never reach Express, see ProxyFastPath): the request is answered
 * here, so no controller, pipe or JSON body parser touches a proxied body (see createGateway).
 */
@Injectable()
export class ProxyMiddleware implements NestMiddleware {
  constructor(private readonly proxy: KubeApiProxy) {}

  use(req: Request, res: Response): void {
    // Express strips a mount path from req.url; the proxy reads the whole path.
    req.url = req.originalUrl;
    void this.proxy.handle(req, res, requestIdOf(req));
  }
}
