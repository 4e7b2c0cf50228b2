import { ArgumentsHost, Catch, HttpException, Logger, RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Observable, throwError } from 'rxjs';
import { CubeError, CubeErrorBody } from '@cube/contracts';

/**
 * Nest turns every non-RpcException into "Internal server error" on the bus; this filter
 * sends our `{ code, message, details }` instead, so the gateway can map it to HTTP.
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('RpcErrorFilter');

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => this.toBody(exception));
  }

  private toBody(exception: unknown): CubeErrorBody {
    if (exception instanceof CubeError) return exception.toBody();
    if (exception instanceof RpcException) {
      const error = exception.getError();
      if (CubeError.isBody(error)) return error;
    }
    if (exception instanceof HttpException && exception.getStatus() === 400) {
      return { code: 'BAD_REQUEST', message: exception.message, details: {} };
    }
    this.logger.error({ err: exception }, 'unexpected error while handling a message');
    return { code: 'INTERNAL', message: 'internal error', details: {} };
  }
}
