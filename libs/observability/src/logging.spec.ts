import type { IncomingMessage } from 'node:http';
import { acceptRequestId, redactUrl } from './logging';

const offering = (id: string | string[] | undefined) =>
  ({ headers: id === undefined ? {} : { 'x-request-id': id } }) as unknown as IncomingMessage;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('acceptRequestId', () => {
  it("keeps the caller's id when it is a sane token", () => {
    expect(acceptRequestId(offering('req-1.a_B'))).toBe('req-1.a_B');
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['with spaces', 'a b'],
    ['a log-line breaker', 'a\nb'],
    ['too long', 'x'.repeat(129)],
    ['repeated', ['a', 'b']],
  ])('makes a fresh UUID when the offered id is %s', (_what, offered) => {
    expect(acceptRequestId(offering(offered))).toMatch(UUID);
  });
});

describe('redactUrl', () => {
  it('hides credential query values and keeps the rest of the URL', () => {
    expect(redactUrl('/api/v1/console/sessions/1/stream?ticket=abc.def&x=1')).toBe(
      '/api/v1/console/sessions/1/stream?ticket=[redacted]&x=1',
    );
    expect(redactUrl('/a?x=1&token=t0k&access_token=zz')).toBe('/a?x=1&token=[redacted]&access_token=[redacted]');
    expect(redactUrl('/a?myticket=1')).toBe('/a?myticket=1');
    expect(redactUrl(undefined)).toBeUndefined();
  });
});
