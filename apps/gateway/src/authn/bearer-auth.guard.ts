import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { CubeError } from '@cube/contracts';
import { ACCESS_TOKEN_STRATEGY, API_TOKEN_STRATEGY } from './bearer.strategies';
import { IS_PUBLIC } from './public.decorator';

/** Every route needs a valid bearer credential unless marked @Public(). */
@Injectable()
export class BearerAuthGuard extends AuthGuard([API_TOKEN_STRATEGY, ACCESS_TOKEN_STRATEGY]) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    return super.canActivate(context);
  }

  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error instanceof CubeError) throw error;
    if (error) throw new CubeError('UNAVAILABLE', 'credentials could not be checked', {});
    if (!user) throw new CubeError('UNAUTHENTICATED', 'missing or invalid bearer token', { reason: 'missing_credentials' });
    return user;
  }
}
