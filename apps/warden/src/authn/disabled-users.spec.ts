import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { connect, JSONCodec, KV, NatsConnection } from 'nats';
import { AccessTokenVerifier, JwksKeySet } from '@cube/auth';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, DisabledUserEntry } from '@cube/contracts';
import { StateCache } from '../autonomy/state-cache';
import { DisabledUsers } from './disabled-users';
import { reviewToken, TokenAuthority } from './token-review';
import { until } from '@cube/messaging/testing';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const json = JSONCodec<DisabledUserEntry>();
const quiet = { warn: () => undefined };

describe('Warden refusing the tokens of users in the disabled-users bucket', () => {
  let nats: NatsConnection;
  let kv: KV;
  let bucket: string;
  let dir: string;
  let verifier: AccessTokenVerifier;
  let devToken: string;
  const mirrors: DisabledUsers[] = [];
  const mirror = async () => {
    const cache = new StateCache(dir);
    await cache.open();
    // Its own bucket, not the shared `cube-disabled-users` other suites may use on the same NATS.
    const made = new DisabledUsers(cache, quiet, bucket);
    mirrors.push(made);
    await made.load();
    return made;
  };
  const authenticated = async (users: DisabledUsers) => {
    const authority: TokenAuthority = { verifier, isDisabled: (user) => users.has(user) };
    const review = await reviewToken({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: devToken } }, authority);
    return review.status?.authenticated === true;
  };

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
    verifier = new AccessTokenVerifier({ keys: new JwksKeySet({ fetchJwks: async () => ({ keys: [jwk] }) }) });
    devToken = await new SignJWT({ name: 'dev', groups: [], jti: 'j1' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setSubject('dev')
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
  });
  beforeEach(async () => {
    nats = await connect({ servers: NATS_URL });
    bucket = `warden-disabled-${randomBytes(4).toString('hex')}`;
    kv = await nats.jetstream().views.kv(bucket, { history: 1 });
    dir = await mkdtemp(join(tmpdir(), 'warden-disabled-'));
  });
  afterEach(async () => {
    for (const made of mirrors.splice(0)) await made.stop();
    await kv.destroy();
    await nats.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a user once identity puts them in the bucket and accepts them again once the key is deleted', async () => {
    const users = await mirror();
    users.follow(nats);
    await until('first read', async () => users.completedSyncs > 0);
    expect(await authenticated(users)).toBe(true);
    await kv.put('dev', json.encode({ user: 'dev', since: new Date().toISOString() }));
    await until('dev refused', async () => !(await authenticated(users)));
    await kv.delete('dev');
    await until('dev accepted again', () => authenticated(users));
  });

  it('learns a user disabled while it was away, on its first read of the bucket', async () => {
    const first = await mirror();
    first.follow(nats);
    await until('first read', async () => first.completedSyncs > 0);
    await first.stop();
    await kv.put('dev', json.encode({ user: 'dev', since: new Date().toISOString() }));

    const restarted = await mirror();
    expect(await authenticated(restarted)).toBe(true);
    restarted.follow(nats);
    await until('read after restart', async () => restarted.completedSyncs > 0);
    expect(await authenticated(restarted)).toBe(false);
  });

  it('still refuses a disabled user when restarted from its disk cache without NATS', async () => {
    await kv.put('dev', json.encode({ user: 'dev', since: new Date().toISOString() }));
    const first = await mirror();
    first.follow(nats);
    await until('dev refused', async () => !(await authenticated(first)));
    await first.stop();

    const offline = await mirror();
    expect(offline.has('dev')).toBe(true);
    expect(await authenticated(offline)).toBe(false);
  });
});
