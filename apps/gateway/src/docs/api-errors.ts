import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorView } from '@cube/contracts';

const DESCRIPTIONS: Record<number, string> = {
  400: 'BAD_REQUEST: malformed request; details.fields lists each bad field',
  401: 'UNAUTHENTICATED: missing or invalid credentials',
  403: 'FORBIDDEN: authenticated but not allowed',
  404: 'NOT_FOUND: no such resource, or not visible to the caller',
  409: 'CONFLICT: the change conflicts with the current state',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'UNPROCESSABLE: well-formed but breaks a rule',
  429: 'RATE_LIMITED: too many attempts; see Retry-After',
  503: 'UNAVAILABLE: a service did not answer in time',
};

/** Documents the error responses of an operation with the shared error body. */
export function ApiErrors(...statuses: (keyof typeof DESCRIPTIONS)[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorView })));
}
