import { ErrorCode } from '@cube/contracts';

/** The one code → HTTP status table (API.md). A Record over ErrorCode keeps it exhaustive. */
export const HTTP_STATUS_OF_CODE: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE: 422,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** The reverse direction, for HTTP errors raised by the framework itself (unknown route, body parser). */
export function codeOfHttpStatus(status: number): ErrorCode {
  const match = (Object.entries(HTTP_STATUS_OF_CODE) as [ErrorCode, number][]).find(([, s]) => s === status);
  if (match) return match[0];
  if (status === 405) return 'NOT_FOUND';
  if (status === 415) return 'BAD_REQUEST';
  return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
}
