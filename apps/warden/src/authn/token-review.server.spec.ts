import { request } from 'node:https';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { AccessTokenVerifier, JwksKeySet } from '@cube/auth';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER } from '@cube/contracts';
import { makeWebhookCertificates } from '@cube/kube';
import { KubeServer, startKubeServer } from '@cube/testing';
import { TOKEN_REVIEW_PATH, TokenReviewServer } from './token-review.server';

/** POSTs a SelfSubjectReview with `token`: who the member cluster thinks the caller is. */
function whoAmI(member: KubeServer, token: string): Promise<{ status: number; body: { status?: { userInfo?: { username: string; groups: string[] } } } }> {
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
  let server: TokenReviewServer;
  let member: KubeServer;
  let sign: (claims: Record<string, unknown>, kid?: string) => Promise<string>;
  const revoked = new Set<string>();

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
    sign = (claims, kid = 'k1') =>
      new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid }).setIssuer(ACCESS_TOKEN_ISSUER).setAudience(ACCESS_TOKEN_AUDIENCE).setIssuedAt().setExpirationTime('10m').sign(privateKey);
    const certificates = await makeWebhookCertificates(['localhost']);
    // The keys as Warden holds them: fetched once (over NATS in Warden), then verified offline.
    const verifier = new AccessTokenVerifier({ keys: new JwksKeySet({ fetchJwks: async () => ({ keys: [jwk] }) }) });
    server = await TokenReviewServer.start({ cert: certificates.cert, key: certificates.key, port: 0, host: '127.0.0.1', verifier, revoked });
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
});
