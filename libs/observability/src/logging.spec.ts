import { redactUrl } from './logging';

describe('redactUrl', () => {
  it('hides credential query values and keeps the rest of the URL', () => {
    expect(redactUrl('/api/v1/console/sessions/1/stream?ticket=abc.def&x=1')).toBe('/api/v1/console/sessions/1/stream?ticket=[redacted]&x=1');
    expect(redactUrl('/a?x=1&token=t0k&access_token=zz')).toBe('/a?x=1&token=[redacted]&access_token=[redacted]');
    expect(redactUrl('/a?myticket=1')).toBe('/a?myticket=1');
    expect(redactUrl(undefined)).toBeUndefined();
  });
});
