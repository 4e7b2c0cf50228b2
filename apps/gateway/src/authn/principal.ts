import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { Actor, AuthenticatedPrincipal } from '@cube/contracts';

/** The authenticated caller, as passport leaves it on the request. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): AuthenticatedPrincipal => {
  const request = context.switchToHttp().getRequest<Request & { user?: AuthenticatedPrincipal }>();
  if (!request.user) throw new Error('CurrentPrincipal used on a route without authentication');
  return request.user;
});

export function actorOf(principal: AuthenticatedPrincipal): Actor {
  return { kind: 'user', name: principal.name, groups: principal.groups };
}

/** The client address for per-IP limits (Express's `trust proxy` decides whether X-Forwarded-For counts). */
export function clientIpOf(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
