import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { CubeError, CubeErrorBody } from '@cube/contracts';
import { codeOfHttpStatus, HTTP_STATUS_OF_CODE } from './error-status';

/** Maps every error leaving the gateway to `{ code, message, details }` and its HTTP status. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    const status = HTTP_STATUS_OF_CODE[body.code];
    if (status >= 500 && body.code !== 'UNAVAILABLE') {
      this.logger.error({ err: exception }, 'unexpected error');
    }
    if (body.code === 'RATE_LIMITED' && typeof body.details['retryAfterSeconds'] === 'number') {
      response.setHeader('Retry-After', String(body.details['retryAfterSeconds']));
    }
    if (status === 401) {
      // RFC 6750 §3: a 401 names the scheme; error="invalid_token" when a token was presented.
      const presented = body.details['reason'] !== 'missing_credentials';
      response.setHeader('WWW-Authenticate', presented ? 'Bearer realm="cube", error="invalid_token"' : 'Bearer realm="cube"');
    }
    response.status(status).json(body);
  }

  private toBody(exception: unknown): CubeErrorBody {
    if (exception instanceof CubeError) return exception.toBody();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return { code: codeOfHttpStatus(status), message: exception.message, details: {} };
    }
    // Errors of the body parser carry their HTTP status (malformed JSON: 400, too large: 413).
    const candidate = exception as { status?: unknown; type?: unknown; message?: unknown };
    if (typeof candidate?.status === 'number' && candidate.status >= 400 && candidate.status < 500) {
      const message = candidate.type === 'entity.parse.failed' ? 'request body is not valid JSON' : String(candidate.message);
      return { code: codeOfHttpStatus(candidate.status), message, details: {} };
    }
    return { code: 'INTERNAL', message: 'internal error', details: {} };
  }
}
