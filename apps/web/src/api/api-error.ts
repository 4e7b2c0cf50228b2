/** The gateway's error body `{ code, message, details }` (API.md), or a Kubernetes `Status` from the proxy. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** `details.fields` of a validation error: field name → message. */
  get fields(): Record<string, string> {
    const fields = this.details['fields'];
    const out: Record<string, string> = {};
    if (Array.isArray(fields)) {
      for (const entry of fields) {
        if (entry && typeof entry === 'object') {
          // class-validator errors arrive as { field, problems: [...] } (libs/messaging validation.ts).
          const { field, problems, message } = entry as { field?: unknown; problems?: unknown; message?: unknown };
          if (typeof field !== 'string') continue;
          out[field] = Array.isArray(problems) ? problems.map(String).join('; ') : typeof message === 'string' ? message : '';
        }
      }
    } else if (fields && typeof fields === 'object') {
      for (const [field, message] of Object.entries(fields)) out[field] = Array.isArray(message) ? message.join('; ') : String(message);
    }
    return out;
  }

  /** Seconds until a RATE_LIMITED caller may retry, from the body or the Retry-After header. */
  get retryAfterSeconds(): number | undefined {
    const value = this.details['retryAfterSeconds'];
    return typeof value === 'number' ? value : undefined;
  }
}

/** Builds an ApiError from any failed response body: Cube's error model or a Kubernetes Status. */
export function apiErrorOf(status: number, body: unknown, retryAfter?: string | null): ApiError {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    if (record['kind'] === 'Status') {
      const reason = typeof record['reason'] === 'string' ? record['reason'] : 'Error';
      const details = (record['details'] as Record<string, unknown> | undefined) ?? {};
      return new ApiError(status, reason, String(record['message'] ?? reason), details);
    }
    if (typeof record['code'] === 'string') {
      const details = { ...((record['details'] as Record<string, unknown> | undefined) ?? {}) };
      if (details['retryAfterSeconds'] === undefined && retryAfter && /^\d+$/.test(retryAfter))
        details['retryAfterSeconds'] = Number(retryAfter);
      return new ApiError(status, record['code'], String(record['message'] ?? record['code']), details);
    }
  }
  return new ApiError(status, `HTTP_${status}`, typeof body === 'string' && body ? body : `HTTP ${status}`);
}
