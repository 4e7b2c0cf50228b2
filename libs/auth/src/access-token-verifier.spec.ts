import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, CubeError } from '@cube/contracts';
import { base64url, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import { AccessTokenVerifier, type TokenRefusalReason } from './access-token-verifier';
import { JwksKeySet } from './jwks-key-set';

/** One identity signing key: the private half signs test tokens, the public half goes in the JWKS. */
interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', {
    crv: 'Ed25519',
  });
  return {
    kid,
    privateKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' },
  };
}

const jwksOf = (...keys: SigningKey[]): JSONWebKeySet => ({
  keys: keys.map((key) => key.jwk),
});

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const nowSec = Math.floor(NOW / 1000);

interface TokenShape {
  claims?: Record<string, unknown>;
  omit?: string[];
  iss?: string;
  aud?: string;
  iat?: number;
  exp?: number;
}

function sign(key: SigningKey, shape: TokenShape = {}, kid: string = key.kid): Promise<string> {
  const claims: Record<string, unknown> = {
    sub: 'alice',
    name: 'Alice',
    groups: ['dev'],
    jti: 'token-1',
    iat: shape.iat ?? nowSec,
    exp: shape.exp ?? nowSec + 900,
    iss: shape.iss ?? ACCESS_TOKEN_ISSUER,
    aud: shape.aud ?? ACCESS_TOKEN_AUDIENCE,
    ...shape.claims,
  };
  for (const claim of shape.omit ?? []) delete claims[claim];
  return new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' }).sign(key.privateKey);
}

/** A fetcher that counts calls and serves whatever set identity currently publishes. */
function identity(published: JSONWebKeySet) {
  const state = { published, fetches: 0, down: false };
  const fetchJwks = async () => {
    state.fetches += 1;
    if (state.down) throw new Error('identity unreachable');
    return state.published;
  };
  return { state, fetchJwks };
}

async function refusalOf(attempt: Promise<unknown>): Promise<{ code: string; message: string; reason: unknown }> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof CubeError)
      return {
        code: error.code,
        message: error.message,
        reason: error.details['reason'],
      };
    throw error;
  }
  throw new Error('expected the token to be refused');
}

const refused = (reason: TokenRefusalReason) => ({
  code: 'UNAUTHENTICATED',
  message: 'invalid access token',
  reason,
});

describe('AccessTokenVerifier', () => {
  let k1: SigningKey;
  let k2: SigningKey;

  beforeAll(async () => {
    [k1, k2] = await Promise.all([signingKey('k1'), signingKey('k2')]);
  });

  /** `initial: null` starts with no keys held. */
  function verifierFor(published: JSONWebKeySet, initial: JSONWebKeySet | null = published) {
    let now = NOW;
    const { state, fetchJwks } = identity(published);
    const keys = new JwksKeySet({
      fetchJwks,
      initial: initial ?? undefined,
      refreshCooldownMs: 30_000,
      now: () => now,
    });
    const verifier = new AccessTokenVerifier({ keys, now: () => now });
    return {
      verifier,
      keys,
      identity: state,
      advance: (ms: number) => (now += ms),
    };
  }

  it('accepts a good token and returns its claims', async () => {
    const { verifier } = verifierFor(jwksOf(k1));
    await expect(verifier.verify(await sign(k1))).resolves.toEqual({
      sub: 'alice',
      name: 'Alice',
      groups: ['dev'],
      jti: 'token-1',
      iat: nowSec,
      exp: nowSec + 900,
      iss: ACCESS_TOKEN_ISSUER,
      aud: ACCESS_TOKEN_AUDIENCE,
    });
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const { verifier, identity: idp } = verifierFor(jwksOf(k1));
    const part = (value: object) => base64url.encode(JSON.stringify(value));
    const unsigned = `${part({ alg: 'none', kid: 'k1', typ: 'JWT' })}.${part({
      sub: 'alice',
      name: 'Alice',
      groups: ['dev'],
      jti: 'x',
      iat: nowSec,
      exp: nowSec + 900,
      iss: ACCESS_TOKEN_ISSUER,
      aud: ACCESS_TOKEN_AUDIENCE,
    })}.`;
    expect(await refusalOf(verifier.verify(unsigned))).toEqual(refused('algorithm_not_allowed'));
    expect(idp.fetches).toBe(0);
  });

  it('refuses HS256 keyed with the public key bytes (algorithm confusion)', async () => {
    const { verifier } = verifierFor(jwksOf(k1));
    const publicKeyBytes = base64url.decode(k1.jwk.x ?? '');
    expect(publicKeyBytes).toHaveLength(32);
    const forged = await new SignJWT({ name: 'Alice', groups: ['admins'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setSubject('alice')
      .setJti('x')
      .setIssuedAt(nowSec)
      .setExpirationTime(nowSec + 900)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .sign(publicKeyBytes);
    expect(await refusalOf(verifier.verify(forged))).toEqual(refused('algorithm_not_allowed'));
  });

  it('refuses a token signed by another Ed25519 key under a known kid', async () => {
    const { verifier, identity: idp } = verifierFor(jwksOf(k1));
    const impostor = await signingKey('k1');
    expect(await refusalOf(verifier.verify(await sign(impostor)))).toEqual(refused('bad_signature'));
    expect(idp.fetches).toBe(0);
  });

  it('refuses an expired token, beyond the clock tolerance', async () => {
    const { verifier } = verifierFor(jwksOf(k1));
    expect(await refusalOf(verifier.verify(await sign(k1, { iat: nowSec - 1000, exp: nowSec - 10 })))).toEqual(refused('expired'));
  });

  it('accepts a token expired by less than the clock tolerance', async () => {
    const { verifier } = verifierFor(jwksOf(k1));
    await expect(verifier.verify(await sign(k1, { iat: nowSec - 1000, exp: nowSec - 2 }))).resolves.toMatchObject({
      sub: 'alice',
    });
  });

  it('refuses a token that expires while in use, by the injected clock', async () => {
    const { verifier, advance } = verifierFor(jwksOf(k1));
    const token = await sign(k1);
    await expect(verifier.verify(token)).resolves.toBeDefined();
    advance(906_000);
    expect(await refusalOf(verifier.verify(token))).toEqual(refused('expired'));
  });

  it('refuses a token not yet valid', async () => {
    const { verifier } = verifierFor(jwksOf(k1));
    expect(await refusalOf(verifier.verify(await sign(k1, { claims: { nbf: nowSec + 600 } })))).toEqual(refused('not_yet_valid'));
  });

  it('refuses a token from another issuer', async () => {
    const { verifier } = verifierFor(jwksOf(k1));
    expect(await refusalOf(verifier.verify(await sign(k1, { iss: 'someone-else' })))).toEqual(refused('wrong_issuer'));
  });

  it('refuses a token for another audience', async () => {
    const { verifier } = verifierFor(jwksOf(k1));
    expect(await refusalOf(verifier.verify(await sign(k1, { aud: 'grafana' })))).toEqual(refused('wrong_audience'));
  });

  it.each(['sub', 'name', 'groups', 'jti', 'iat', 'exp', 'iss', 'aud'])('refuses a token without %s', async (claim) => {
    const { verifier } = verifierFor(jwksOf(k1));
    expect(await refusalOf(verifier.verify(await sign(k1, { omit: [claim] })))).toEqual(refused('missing_claim'));
  });

  it.each([
    ['groups that are not a list of strings', { groups: ['dev', 7] }],
    ['a name that is not a string', { name: 42 }],
    ['an empty subject', { sub: '' }],
  ])('refuses a token with %s', async (_label, claims) => {
    const { verifier } = verifierFor(jwksOf(k1));
    expect(await refusalOf(verifier.verify(await sign(k1, { claims })))).toEqual(refused('invalid_claim'));
  });

  it('refuses garbage and a token without kid as malformed', async () => {
    const { verifier } = verifierFor(jwksOf(k1));
    expect(await refusalOf(verifier.verify('not.a.jwt'))).toEqual(refused('malformed'));
    expect(await refusalOf(verifier.verify(''))).toEqual(refused('malformed'));
    const noKid = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA' }).sign(k1.privateKey);
    expect(await refusalOf(verifier.verify(noKid))).toEqual(refused('malformed'));
  });

  describe('key rotation', () => {
    it('refreshes once when a new kid appears and accepts its tokens', async () => {
      const { verifier, identity: idp, keys } = verifierFor(jwksOf(k1, k2), jwksOf(k1));
      await expect(verifier.verify(await sign(k2))).resolves.toMatchObject({
        sub: 'alice',
      });
      await expect(verifier.verify(await sign(k2))).resolves.toMatchObject({
        sub: 'alice',
      });
      expect(idp.fetches).toBe(1);
      expect(keys.current().keys.map((key) => key.kid)).toEqual(['k1', 'k2']);
    });

    it('refuses tokens of a removed key once the set is refreshed', async () => {
      const { verifier, keys, identity: idp } = verifierFor(jwksOf(k2), jwksOf(k1, k2));
      const oldToken = await sign(k1);
      await expect(verifier.verify(oldToken)).resolves.toBeDefined();
      await keys.refresh();
      expect(await refusalOf(verifier.verify(oldToken))).toEqual(refused('unknown_key'));
      expect(idp.fetches).toBe(1);
    });

    it('refreshes at most once per cooldown however many bogus kids arrive', async () => {
      const { verifier, identity: idp, advance } = verifierFor(jwksOf(k1));
      const bogus = await Promise.all(['x1', 'x2', 'x3', 'x4'].map((kid) => sign(k1, {}, kid)));
      for (const token of bogus) {
        expect(await refusalOf(verifier.verify(token))).toEqual(refused('unknown_key'));
      }
      expect(idp.fetches).toBe(1);
      advance(29_999);
      await refusalOf(verifier.verify(bogus[0] ?? ''));
      expect(idp.fetches).toBe(1);
      advance(1);
      await refusalOf(verifier.verify(bogus[0] ?? ''));
      expect(idp.fetches).toBe(2);
    });

    it('shares one fetch between concurrent tokens with unknown kids', async () => {
      const { verifier, identity: idp } = verifierFor(jwksOf(k1, k2), jwksOf(k1));
      const token = await sign(k2);
      await Promise.all([verifier.verify(token), verifier.verify(token), verifier.verify(token)]);
      expect(idp.fetches).toBe(1);
    });

    it('fetches the set on first use when started without one', async () => {
      const { verifier, identity: idp } = verifierFor(jwksOf(k1), null);
      await expect(verifier.verify(await sign(k1))).resolves.toBeDefined();
      expect(idp.fetches).toBe(1);
    });
  });

  describe('offline', () => {
    it('keeps verifying known keys from a cached set while identity is unreachable', async () => {
      const { verifier, identity: idp } = verifierFor(jwksOf(k1));
      idp.down = true;
      await expect(verifier.verify(await sign(k1))).resolves.toMatchObject({
        sub: 'alice',
      });
      expect(idp.fetches).toBe(0);
    });

    it('refuses an unknown kid as unknown_key when the refresh fails, keeping the held keys', async () => {
      const { verifier, identity: idp } = verifierFor(jwksOf(k1, k2), jwksOf(k1));
      idp.down = true;
      expect(await refusalOf(verifier.verify(await sign(k2)))).toEqual(refused('unknown_key'));
      expect(idp.fetches).toBe(1);
      await expect(verifier.verify(await sign(k1))).resolves.toBeDefined();
    });
  });
});

describe('JwksKeySet', () => {
  it('reports each fetched set so Warden can persist it', async () => {
    const published = { keys: [(await signingKey('k9')).jwk] };
    const persisted: JSONWebKeySet[] = [];
    const keys = new JwksKeySet({
      fetchJwks: async () => published,
      onRefreshed: (jwks) => persisted.push(jwks),
    });
    expect(keys.current()).toEqual({ keys: [] });
    await keys.refresh();
    expect(persisted).toEqual([published]);
    expect(keys.current()).toEqual(published);
  });

  it('refuses a fetched set that is not a JWKS and keeps the held one', async () => {
    const held = { keys: [(await signingKey('k1')).jwk] };
    const keys = new JwksKeySet({
      initial: held,
      fetchJwks: async () => ({ keys: 'nope' }) as unknown as JSONWebKeySet,
    });
    await expect(keys.refresh()).rejects.toThrow();
    expect(keys.current()).toEqual(held);
  });

  it('propagates a failed explicit refresh and keeps the held set', async () => {
    const held = { keys: [(await signingKey('k1')).jwk] };
    const keys = new JwksKeySet({
      initial: held,
      fetchJwks: async () => {
        throw new Error('identity unreachable');
      },
    });
    await expect(keys.refresh()).rejects.toThrow('identity unreachable');
    expect(keys.current()).toEqual(held);
  });
});
