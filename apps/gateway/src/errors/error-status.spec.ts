import { ERROR_CODES } from '@cube/contracts';
import { codeOfHttpStatus, HTTP_STATUS_OF_CODE } from './error-status';

describe('HTTP status table', () => {
  it('maps the codes of API.md to their statuses', () => {
    expect(HTTP_STATUS_OF_CODE).toMatchObject({
      BAD_REQUEST: 400,
      UNAUTHENTICATED: 401,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      CONFLICT: 409,
      PAYLOAD_TOO_LARGE: 413,
      UNPROCESSABLE: 422,
      RATE_LIMITED: 429,
      UNAVAILABLE: 503,
    });
  });

  it('round-trips every code through its status', () => {
    for (const code of ERROR_CODES) expect(codeOfHttpStatus(HTTP_STATUS_OF_CODE[code])).toBe(code);
  });
});
