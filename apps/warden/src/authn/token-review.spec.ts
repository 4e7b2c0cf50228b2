import { request } from 'node:https';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { AccessTokenVerifier, JwksKeySet } from '@cube/auth';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, TOKEN_REVIEW_PATH } from '@cube/contracts';
import { makeWebhookCertificates } from '@cube/kube';
import { KubeServer, startKubeServer } from '@cube/testing';
import { WebhookServer } from '../webhooks/webhook-server';
import { apiTokenHash, reviewToken, TokenReview } from './token-review';

/** POSTs a SelfSubjectReview with `token`: who the member cluster thinks the caller is. */
function whoAmI(
  member: KubeServer,
  token: string,
): Promise<{ status: number; body: { status?: { userInfo?: { username: string; groups: string[] } } } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${member.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`,
      { method: 'POST', ca: member.caCert, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      },
    );
    req.once('error', reject);
    req.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }));
  });
}

describe('Warden answering TokenReview for a member kube-apiserver', () => {
  let server: WebhookServer;
  let member: KubeServer;
  let sign: (claims: Record<string, unknown>, kid?: string) => Promise<string>;
  const revoked = new Set<string>();
  const disabled = new Set<string>();
  const apiTokens = new Map<string, { user: string; groups: string[]; expiresAt: string | null }>();

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
    sign = (claims, kid = 'k1') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid })
        .setIssuer(ACCESS_TOKEN_ISSUER)
        .setAudience(ACCESS_TOKEN_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey);
    const certificates = await makeWebhookCertificates(['localhost']);
    // The keys as Warden holds them: fetched once (over NATS in Warden), then verified offline.
    const verifier = new AccessTokenVerifier({ keys: new JwksKeySet({ fetchJwks: async () => ({ keys: [jwk] }) }) });
    const authority = {
      verifier,
      revoked,
      apiToken: (hash: string) => apiTokens.get(hash),
      isDisabled: (user: string) => disabled.has(user),
    };
    server = await WebhookServer.start({
      cert: certificates.cert,
      key: certificates.key,
      port: 0,
      host: '127.0.0.1',
      routes: { [TOKEN_REVIEW_PATH]: (review) => reviewToken(review as TokenReview, authority) },
    });
    member = await startKubeServer({
      name: 'member-a',
      authnWebhook: { url: `https://127.0.0.1:${server.port}${TOKEN_REVIEW_PATH}`, caBundle: certificates.caCert, cacheTtlMs: 0 },
    });
  });
  afterAll(async () => {
    await member?.stop();
    await server?.stop();
  });

  it('lets the member cluster accept a Cube access token as the Cube user with their groups', async () => {
    const token = await sign({ sub: 'alice', name: 'alice', groups: ['acme-devs'], jti: 'j1' });
    const review = await whoAmI(member, token);
    expect(review.status).toBe(201);
    expect(review.body.status?.userInfo?.username).toBe('alice');
    expect(review.body.status?.userInfo?.groups).toEqual(expect.arrayContaining(['acme-devs', 'system:authenticated']));
  });

  it('refuses forged, unknown-key and revoked tokens with 401', async () => {
    expect((await whoAmI(member, 'not-a-jwt')).status).toBe(401);
    expect((await whoAmI(member, await sign({ sub: 'mallory', name: 'mallory', groups: [], jti: 'j2' }, 'unknown'))).status).toBe(401);
    revoked.add('j3');
    expect((await whoAmI(member, await sign({ sub: 'bob', name: 'bob', groups: [], jti: 'j3' }))).status).toBe(401);
  });

  it('refuses the access token of a user disabled since it was issued', async () => {
    const token = await sign({ sub: 'carol', name: 'carol', groups: [], jti: 'j4' });
    expect((await whoAmI(member, token)).status).toBe(201);
    disabled.add('carol');
    expect((await whoAmI(member, token)).status).toBe(401);
  });

  it('accepts an API token by its published verifier until it expires or the verifier is gone', async () => {
    const token = 'cube_dave-token-for-kubectl';
    expect((await whoAmI(member, token)).status).toBe(401);
    apiTokens.set(apiTokenHash(token), { user: 'dave', groups: ['ops'], expiresAt: null });
    const review = await whoAmI(member, token);
    expect(review.status).toBe(201);
    expect(review.body.status?.userInfo).toMatchObject({ username: 'dave', groups: expect.arrayContaining(['ops']) });
    apiTokens.set(apiTokenHash(token), { user: 'dave', groups: ['ops'], expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect((await whoAmI(member, token)).status).toBe(401);
    apiTokens.delete(apiTokenHash(token));
    expect((await whoAmI(member, token)).status).toBe(401);
  });
});
