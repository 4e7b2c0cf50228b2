import { webhookTokenOf } from './webhook-token';

describe('webhookTokenOf', () => {
  it('reads a bearer token, or the password of Basic (which may itself hold a colon)', () => {
    expect(webhookTokenOf('Bearer abc')).toBe('abc');
    expect(webhookTokenOf('bearer abc')).toBe('abc');
    expect(webhookTokenOf(`Basic ${Buffer.from('member-a:s3cret:x').toString('base64')}`)).toBe('s3cret:x');
  });

  it('has no token for a missing header, another scheme, a scheme alone or Basic without a colon', () => {
    expect(webhookTokenOf(undefined)).toBeNull();
    expect(webhookTokenOf('Digest abc')).toBeNull();
    expect(webhookTokenOf('Bearer')).toBeNull();
    expect(webhookTokenOf(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBeNull();
  });
});
