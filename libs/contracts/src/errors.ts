/** Error codes shared by every transport; the gateway maps each to one HTTP status (see API.md). */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNPROCESSABLE',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The error body on the bus and over HTTP: `{ code, message, details }`. */
export interface CubeErrorBody {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

/** A domain error: thrown by services, carried across NATS, mapped to HTTP once in the gateway. */
export class CubeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'CubeError';
  }

  toBody(): CubeErrorBody {
    return { code: this.code, message: this.message, details: this.details };
  }

  static isBody(value: unknown): value is CubeErrorBody {
    if (typeof value !== 'object' || value === null) return false;
    const candidate = value as Record<string, unknown>;
    return (
      typeof candidate['code'] === 'string' &&
      (ERROR_CODES as readonly string[]).includes(candidate['code']) &&
      typeof candidate['message'] === 'string'
    );
  }

  static fromBody(body: CubeErrorBody): CubeError {
    return new CubeError(body.code, body.message, body.details ?? {});
  }
}
