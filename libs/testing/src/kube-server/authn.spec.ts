// Authentication as kube-apiserver does it: token file, client certificates, service-account
// tokens (kubectl create token), the token webhook with its cache, and the 401 of everything else.
// Authorization allows everyone here, so a refusal can only come from authentication.
import { AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, Server } from 'node:https';
import { IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { AuthenticationChain, staticTokenAuthenticator } from './authn';
import { issueClientCertificate, makeServingCertificates } from './certs';
import { ObjectApi } from './object-api';
import { allowAll } from './pipeline';
import { ServiceAccountTokens } from './service-account-tokens';
import { KubeServer, startKubeServer } from './server';
import { rawRequest } from './testing/http-client';
import { loadReference } from './testing/reference';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

/** A TokenReview webhook over HTTPS that knows two tokens and counts its calls. */
async function startTokenWebhook() {
  const certs = await makeServingCertificates('authn-webhook');
  const reviews: Record<string, unknown>[] = [];
  const server: Server = createHttpsServer({ cert: certs.cert, key: certs.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString()) as {
        spec: { token: string };
      };
      reviews.push(review as unknown as Record<string, unknown>);
      const token = review.spec.token;
      if (token === 'webhook-broken') {
        res.writeHead(500);
        res.end();
        return;
      }
      const status =
        token === 'webhook-good'
          ? {
              authenticated: true,
              user: {
                username: 'carol@example.com',
                uid: 'idp-42',
                groups: ['tenant-a'],
                extra: { 'example.com/tenant': ['a'] },
              },
            }
          : { authenticated: false };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          status,
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}/authenticate`,
    caBundle: certs.caCert,
    reviews,
    callsFor: (token: string) => reviews.filter((r) => (r.spec as { token: string }).token === token).length,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function freePort(): Promise<number> {
  const s = createHttpsServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('authentication', () => {
  let server: KubeServer;
  let webhook: Awaited<ReturnType<typeof startTokenWebhook>>;
  let dir: string;

  const whoami = async (token: string) => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfigFor({ user: 'u', token }));
    const r = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    return r.status?.userInfo;
  };
  const status = async (token: string | null, path = '/api/v1/namespaces') => (await rawRequest(server, { path, token })).status;

  function kubectl(kubeconfig: string, ...args: string[]): Promise<string> {
    const file = join(dir, `kc-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, kubeconfig);
    return new Promise((resolve, reject) =>
      execFile(KUBECTL, ['--kubeconfig', file, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(stderr || err.message)) : resolve(stdout),
      ),
    );
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'authn-spec-'));
    const tokenFile = join(dir, 'tokens.csv');
    writeFileSync(tokenFile, 'alice-token,alice,uid-alice,"developers,tenant-b"\nbob-token,bob,uid-bob\n');
    webhook = await startTokenWebhook();
    server = await startKubeServer({
      authorizer: allowAll,
      name: 'authn-spec',
      tokenFile,
      authnWebhook: { url: webhook.url, caBundle: webhook.caBundle },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await webhook?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers an unauthenticated request with the real 401 Status', async () => {
    const ref = loadReference('unauthenticated');
    for (const token of [null, 'not-a-known-token']) {
      const r = await rawRequest(server, { path: ref.request, token });
      expect(r.status).toBe(401);
      expect(r.json()).toEqual(ref.body);
    }
  });

  it('keeps serving the admin token', async () => {
    expect(await whoami(server.adminToken)).toEqual({
      username: 'kubernetes-admin',
      groups: ['system:masters', 'system:authenticated'],
    });
  });

  it('authenticates token-file users and adds system:authenticated', async () => {
    expect(await whoami('alice-token')).toEqual({
      username: 'alice',
      uid: 'uid-alice',
      groups: ['developers', 'tenant-b', 'system:authenticated'],
    });
    expect(await whoami('bob-token')).toEqual({
      username: 'bob',
      uid: 'uid-bob',
      groups: ['system:authenticated'],
    });
  });

  it('authenticates kubectl with a client certificate signed by the cluster CA', async () => {
    const { cert, key } = await server.issueClientCertificate('dave', ['ops', 'tenant-c']);
    const out = JSON.parse(await kubectl(server.kubeconfigFor({ user: 'dave', cert, key }), 'auth', 'whoami', '-o', 'json')) as {
      status: { userInfo: { username: string; groups: string[] } };
    };
    expect(out.status.userInfo.username).toBe('dave');
    expect(out.status.userInfo.groups).toEqual(['ops', 'tenant-c', 'system:authenticated']);
    const list = await kubectl(server.kubeconfigFor({ user: 'dave', cert, key }), 'get', 'namespaces', '-o', 'name');
    expect(list).toContain('namespace/kube-system');
  });

  it('refuses a client certificate from another CA with 401', async () => {
    const foreign = await makeServingCertificates('foreign');
    const { cert, key } = await issueClientCertificate({ caCert: foreign.caCert, caKey: foreign.caKey ?? '' }, 'mallory', [
      'system:masters',
    ]);
    const r = await rawRequest(server, {
      path: '/api/v1/namespaces',
      token: null,
      cert,
      key,
    });
    expect(r.status).toBe(401);
    // A valid credential next to it still wins, as in kube's union authenticator.
    const ok = await rawRequest(server, {
      path: '/api/v1/namespaces',
      cert,
      key,
    });
    expect(ok.status).toBe(200);
  });

  it('issues service-account tokens through kubectl create token and accepts them', async () => {
    const token = (await kubectl(server.kubeconfig, 'create', 'token', 'default')).trim();
    const saType = server.registry.find('', 'v1', 'serviceaccounts');
    if (!saType) throw new Error('no serviceaccounts');
    const sa = server.api.get(saType, 'default', 'default');
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256' });
    expect(decodeProtectedHeader(token).kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: 'https://kubernetes.default.svc.cluster.local',
      aud: ['https://kubernetes.default.svc.cluster.local'],
      sub: 'system:serviceaccount:default:default',
      'kubernetes.io': {
        namespace: 'default',
        serviceaccount: { name: 'default', uid: sa.metadata.uid },
      },
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
    expect(claims.nbf).toBe(claims.iat);
    const user = await whoami(token);
    expect(user).toMatchObject({
      username: 'system:serviceaccount:default:default',
      uid: sa.metadata.uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
      extra: {
        'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`],
      },
    });
    // kubectl itself works with the token.
    const kc = server.kubeconfigFor({ user: 'default-sa', token });
    expect(await kubectl(kc, 'get', 'configmaps', '-o', 'name')).toContain('configmap/kube-root-ca.crt');
  });

  it('refuses a service-account token once its account is deleted, even if recreated', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({
      namespace: 'default',
      body: { metadata: { name: 'robot' } },
    });
    const tr = await core.createNamespacedServiceAccountToken({
      namespace: 'default',
      name: 'robot',
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tr.status?.token ?? '';
    expect(tr.spec.expirationSeconds).toBe(600);
    expect(await status(token, '/api/v1/namespaces/default/configmaps')).toBe(200);
    await core.deleteNamespacedServiceAccount({
      namespace: 'default',
      name: 'robot',
    });
    expect(await status(token, '/api/v1/namespaces/default/configmaps')).toBe(401);
    await core.createNamespacedServiceAccount({
      namespace: 'default',
      body: { metadata: { name: 'robot' } },
    });
    expect(await status(token, '/api/v1/namespaces/default/configmaps')).toBe(401);
  });

  it('keeps accepting service-account tokens after a restart from the state file', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await startKubeServer({
      name: 'authn-restart',
      stateFile,
      authorizer: allowAll,
    });
    const kc = new KubeConfig();
    kc.loadFromString(first.kubeconfig);
    const tr = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
      namespace: 'default',
      name: 'default',
      body: { spec: { audiences: [] } },
    });
    await first.stop();
    const second = await startKubeServer({
      name: 'authn-restart',
      stateFile,
      authorizer: allowAll,
    });
    try {
      const r = await rawRequest(second, {
        path: '/api/v1/namespaces/default/configmaps',
        token: tr.status?.token ?? '',
      });
      expect(r.status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('validates TokenRequests as kube does', async () => {
    const r = await rawRequest(server, {
      method: 'POST',
      path: '/api/v1/namespaces/default/serviceaccounts/default/token',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 60 },
      }),
    });
    expect(r.status).toBe(422);
    expect(r.json()).toMatchObject({
      message:
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
    });
    const missing = await rawRequest(server, {
      method: 'POST',
      path: '/api/v1/namespaces/default/serviceaccounts/nobody/token',
      headers: { 'Content-Type': 'application/json' },
      body: '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenRequest","spec":{}}',
    });
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({
      message: 'serviceaccounts "nobody" not found',
    });
  });

  it('answers TokenReview from the same chain', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig);
    const authn = kc.makeApiClient(AuthenticationV1Api);
    const good = await authn.createTokenReview({
      body: { spec: { token: 'alice-token' } },
    });
    expect(good.status).toMatchObject({
      authenticated: true,
      user: {
        username: 'alice',
        uid: 'uid-alice',
        groups: ['developers', 'tenant-b', 'system:authenticated'],
      },
      audiences: ['https://kubernetes.default.svc.cluster.local'],
    });
    const bad = await authn.createTokenReview({
      body: { spec: { token: 'nobody-knows-me' } },
    });
    expect(bad.status?.authenticated).toBeFalsy();
    expect(bad.status?.user).toEqual({});
    expect(bad.status?.error).toBeDefined();
  });

  it('accepts a token only the webhook knows, and caches its answer', async () => {
    const before = webhook.callsFor('webhook-good');
    expect(await whoami('webhook-good')).toEqual({
      username: 'carol@example.com',
      uid: 'idp-42',
      groups: ['tenant-a', 'system:authenticated'],
      extra: { 'example.com/tenant': ['a'] },
    });
    expect(await status('webhook-good')).toBe(200);
    expect(webhook.callsFor('webhook-good')).toBe(before + 1);
    const review = webhook.reviews.find((r) => (r.spec as { token: string }).token === 'webhook-good');
    expect(review).toMatchObject({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: {
        token: 'webhook-good',
        audiences: ['https://kubernetes.default.svc.cluster.local'],
      },
    });
    // Tokens the other authenticators know never reach the webhook.
    expect(webhook.callsFor('alice-token')).toBe(0);
  });

  it('refuses a token the webhook does not authenticate, and caches that too', async () => {
    expect(await status('webhook-unknown')).toBe(401);
    expect(await status('webhook-unknown')).toBe(401);
    expect(webhook.callsFor('webhook-unknown')).toBe(1);
  });

  it('refuses with 401 when the webhook fails, without caching the failure', async () => {
    expect(await status('webhook-broken')).toBe(401);
    const calls = webhook.callsFor('webhook-broken');
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(await status('webhook-broken')).toBe(401);
    expect(webhook.callsFor('webhook-broken')).toBeGreaterThan(calls);
  });

  it('refuses with 401 when the webhook is unreachable', async () => {
    const unreachable = await startKubeServer({
      authorizer: allowAll,
      name: 'authn-webhook-down',
      authnWebhook: {
        url: `https://127.0.0.1:${await freePort()}/authenticate`,
      },
    });
    try {
      const r = await rawRequest(unreachable, {
        path: '/api/v1/namespaces',
        token: 'webhook-good',
      });
      expect(r.status).toBe(401);
      expect((await rawRequest(unreachable, { path: '/api/v1/namespaces' })).status).toBe(200);
    } finally {
      await unreachable.stop();
    }
  });
});

describe('AuthenticationChain', () => {
  const req = (headers: Record<string, string> = {}) => ({ headers, socket: {} }) as unknown as IncomingMessage;
  const chain = (anonymous: boolean) =>
    new AuthenticationChain({
      tokens: [staticTokenAuthenticator(new Map([['t1', { username: 'erin', groups: [] }]]))],
      anonymous,
    });

  it('makes credential-less requests system:anonymous only when enabled', async () => {
    expect(await chain(false).authenticate(req())).toBeUndefined();
    expect(await chain(true).authenticate(req())).toEqual({
      username: 'system:anonymous',
      groups: ['system:unauthenticated'],
    });
  });

  it('never falls back to anonymous for an invalid bearer token', async () => {
    const r = await chain(true).authenticateRequest(req({ authorization: 'Bearer nope' }));
    expect(r).toEqual({ error: 'invalid bearer token' });
    expect((await chain(true).authenticate(req({ authorization: 'Bearer t1' })))?.groups).toEqual(['system:authenticated']);
  });
});

describe('ServiceAccountTokens', () => {
  it('refuses an expired token before looking the account up', async () => {
    const tokens = new ServiceAccountTokens();
    const { token } = await tokens.issue({
      namespace: 'default',
      name: 'old',
      uid: 'u1',
      audiences: ['https://kubernetes.default.svc.cluster.local'],
      expirationSeconds: 600,
      issuedAt: Math.floor(Date.now() / 1000) - 3600,
    });
    const authenticate = tokens.authenticator({} as ObjectApi);
    await expect(authenticate(token, ['https://kubernetes.default.svc.cluster.local'])).rejects.toThrow(
      'service account token has expired',
    );
  });

  it('refuses a token signed by another key', async () => {
    const mine = new ServiceAccountTokens();
    const theirs = new ServiceAccountTokens();
    await mine.keyId();
    const { token } = await theirs.issue({
      namespace: 'default',
      name: 'x',
      uid: 'u1',
      audiences: ['https://kubernetes.default.svc.cluster.local'],
      expirationSeconds: 600,
    });
    await expect(mine.authenticator({} as ObjectApi)(token, ['https://kubernetes.default.svc.cluster.local'])).rejects.toThrow();
  });

  it('keeps its key across a restart from the persisted PEM', async () => {
    let saved = 0;
    const a = new ServiceAccountTokens(undefined, () => saved++);
    const kid = await a.keyId();
    expect(saved).toBe(1);
    const b = new ServiceAccountTokens(a.privateKeyPem);
    expect(await b.keyId()).toBe(kid);
  });
});
