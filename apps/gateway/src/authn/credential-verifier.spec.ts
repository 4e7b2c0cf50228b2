import { AccessTokenVerifier, tokenRefused } from '@cube/auth';
import { AccessTokenClaims, AuthenticatedPrincipal } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { CredentialVerifier } from './credential-verifier';

const nowSec = () => Math.floor(Date.now() / 1000);

function claimsFor(token: string, expInSec: number): AccessTokenClaims {
  const sub = token.split('-')[0] ?? token;
  return {
    sub,
    name: sub,
    groups: [`${sub}-team`],
    jti: token,
    iat: nowSec(),
    exp: nowSec() + expInSec,
    iss: 'cube',
    aud: 'cube',
  } as AccessTokenClaims;
}

/** A signature checker that counts its checks; tokens starting with `bad` are refused, `old` ones expire now. */
function setUp() {
  const checked: string[] = [];
  const accessTokens = {
    verify: async (token: string) => {
      checked.push(token);
      if (token.startsWith('bad')) throw tokenRefused('bad_signature');
      return claimsFor(token, token.startsWith('old') ? 0 : 900);
    },
  } as unknown as AccessTokenVerifier;
  const bus = {
    request: async (_subject: string, envelope: { payload: { name: string } }): Promise<AuthenticatedPrincipal> => ({
      name: envelope.payload.name,
      groups: [],
    }),
  } as unknown as ServiceRequester;
  return { checked, verifier: new CredentialVerifier(bus, accessTokens) };
}

describe('CredentialVerifier access tokens', () => {
  it('checks a token signature once, then answers from the cache with the same principal', async () => {
    const { checked, verifier } = setUp();
    const first = await verifier.verifyAccessToken('alice-1', 'r1');
    const second = await verifier.verifyAccessToken('alice-1', 'r2');
    expect(first).toEqual({ name: 'alice', groups: ['alice-team'] });
    expect(second).toEqual(first);
    expect(checked).toEqual(['alice-1']);
    await verifier.verifyAccessToken('bob-1', 'r3');
    expect(checked).toEqual(['alice-1', 'bob-1']);
  });

  it('checks again after a user changed (revocation events) and never caches a refusal', async () => {
    const { checked, verifier } = setUp();
    await verifier.verifyAccessToken('alice-1', 'r1');
    verifier.forgetAll();
    await verifier.verifyAccessToken('alice-1', 'r2');
    verifier.forgetApiTokens();
    await verifier.verifyAccessToken('alice-1', 'r3');
    expect(checked).toEqual(['alice-1', 'alice-1', 'alice-1']);
    await expect(verifier.verifyAccessToken('bad-1', 'r4')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verifier.verifyAccessToken('bad-1', 'r5')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(checked.filter((t) => t === 'bad-1')).toHaveLength(2);
  });

  it('keeps no token past its expiry', async () => {
    const { checked, verifier } = setUp();
    await verifier.verifyAccessToken('old-1', 'r1');
    await verifier.verifyAccessToken('old-1', 'r2');
    expect(checked).toEqual(['old-1', 'old-1']);
  });

  it('answers from the cache at once only once every check of a token is cached', async () => {
    const { verifier } = setUp();
    expect(verifier.cachedPrincipal('alice-1')).toBeUndefined();
    await verifier.verifyAccessToken('alice-1', 'r1');
    expect(verifier.cachedPrincipal('alice-1')).toEqual({ name: 'alice', groups: ['alice-team'] });
    expect(verifier.cachedPrincipal('cube_unknown')).toBeUndefined();
    verifier.forgetAll();
    expect(verifier.cachedPrincipal('alice-1')).toBeUndefined();
  });
});
