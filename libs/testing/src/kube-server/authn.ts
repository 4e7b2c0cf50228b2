// Authentication as kube-apiserver does it (k8s.io/apiserver/pkg/authentication and
// pkg/kubeapiserver/authenticator): a union of request authenticators, first success wins —
// x509 client certificates, then bearer tokens (token file, service-account JWTs, token webhook).
// Authenticated users get system:authenticated; anonymous is a fallback only for requests that
// presented no credential at all (union.NewFailOnError(authn, anonymous) in the real server).
import 'reflect-metadata';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { TLSSocket } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { UserInfo } from './pipeline';

/** --api-audiences defaults to the service-account issuer, as on kubeadm clusters. */
export const API_AUDIENCES = ['https://kubernetes.default.svc.cluster.local'];

export const ANONYMOUS_USER: UserInfo = {
  username: 'system:anonymous',
  groups: ['system:unauthenticated'],
};

/** A credential was presented and is not valid (the `err` of an authenticator). */
export class AuthenticationError extends Error {}

export interface Authenticated {
  user: UserInfo;
  /** The audiences the credential is valid for, among those wanted. */
  audiences: string[];
}

/** Resolves to undefined when the token is not one it knows; throws AuthenticationError when it is invalid. */
export type TokenAuthenticator = (token: string, audiences: string[]) => Promise<Authenticated | undefined>;

/** What TokenReview and the request filter learn from the chain. */
export interface AuthenticationResult {
  user?: UserInfo;
  audiences?: string[];
  /** The aggregated authenticator errors, as TokenReview's status.error. */
  error?: string;
}

const intersect = (a: string[], b: string[]) => a.filter((x) => b.includes(x));

/** authenticator.WrapAudienceAgnosticToken: tokens valid for the API server's own audiences. */
function audienceAgnostic(lookup: (token: string) => Promise<UserInfo | undefined>): TokenAuthenticator {
  return async (token, audiences) => {
    const auds = intersect(audiences, API_AUDIENCES);
    if (audiences.length > 0 && auds.length === 0) return undefined;
    const user = await lookup(token);
    return user ? { user, audiences: auds } : undefined;
  };
}

export function staticTokenAuthenticator(tokens: Map<string, UserInfo>): TokenAuthenticator {
  return audienceAgnostic(async (token) => tokens.get(token));
}

/**
 * --token-file (plugin/pkg/auth/authenticator/token/tokenfile): CSV lines `token,user,uid[,"g1,g2"]`.
 */
export function readTokenFile(path: string): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  for (const record of parseCsv(readFileSync(path, 'utf8'))) {
    if (record.length < 3)
      throw new Error(`token file '${path}' must have at least 3 columns (token, user name, user uid), found ${record.length}`);
    const [token, username, uid] = record;
    if (!token) throw new Error(`token file '${path}' has empty token`);
    const groups = record.length >= 4 && record[3] ? record[3].split(',') : [];
    tokens.set(token, { username, uid, groups });
  }
  return tokens;
}

/** encoding/csv with TrimLeadingSpace and a variable number of fields; blank lines are skipped. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  const endField = () => {
    record.push(field);
    field = '';
    fieldStarted = false;
  };
  const endRecord = () => {
    if (record.length > 0 || fieldStarted || field) {
      endField();
      records.push(record);
    }
    record = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && !field) {
      quoted = true;
      fieldStarted = true;
    } else if (c === ',') {
      endField();
      fieldStarted = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
    } else if ((c === ' ' || c === '\t') && !field && !fieldStarted) continue;
    else {
      field += c;
      fieldStarted = true;
    }
  }
  endRecord();
  return records;
}

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/**
 * The x509 request authenticator (k8s.io/apiserver/pkg/authentication/request/x509): the peer
 * certificate must chain to the client CA and allow client auth; user = CN, groups = O.
 */
export function clientCertificateAuthenticator(caCert: string): (req: IncomingMessage) => Promise<UserInfo | undefined> {
  const ca = new X509Certificate(caCert);
  return async (req) => {
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate !== 'function') return undefined;
    const peer = socket.getPeerCertificate(false);
    if (!peer?.raw) return undefined;
    const cert = new X509Certificate(peer.raw);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
      throw new AuthenticationError(
        `verifying certificate SN=${BigInt(`0x${cert.serialNumber}`)}, SKID=, AKID= failed: x509: certificate signed by unknown authority`,
      );
    const now = Date.now();
    if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo))
      throw new AuthenticationError(
        `x509: certificate has expired or is not yet valid: current time ${new Date(now).toISOString()} is outside ${cert.validFrom} - ${cert.validTo}`,
      );
    const eku = cert.keyUsage;
    if (eku && eku.length > 0 && !eku.includes(CLIENT_AUTH_OID))
      throw new AuthenticationError('x509: certificate specifies an incompatible key usage');
    const subject = new x509.X509Certificate(peer.raw).subjectName;
    const cn = subject.getField('CN')[0];
    if (!cn) return undefined;
    return {
      username: cn,
      groups: subject.getField('O'),
      extra: {
        'authentication.kubernetes.io/credential-id': [`X509SHA256=${createHash('sha256').update(peer.raw).digest('hex')}`],
      },
    };
  };
}

export interface AuthnWebhookOptions {
  /** Where TokenReviews are POSTed (the kubeconfig's cluster.server of --authentication-token-webhook-config-file). */
  url: string;
  /** PEM CA bundle that verifies the webhook's serving certificate. */
  caBundle?: string;
  /** --authentication-token-webhook-cache-ttl, 2 minutes by default; successes and failures are cached. */
  cacheTtlMs?: number;
}

interface TokenReviewStatus {
  authenticated?: boolean;
  user?: {
    username?: string;
    uid?: string;
    groups?: string[];
    extra?: Record<string, string[]>;
  };
  audiences?: string[];
  error?: string;
}

const WEBHOOK_TIMEOUT_MS = 30_000;
const WEBHOOK_ATTEMPTS = 3;

/**
 * The token webhook (k8s.io/apiserver/plugin/pkg/authenticator/token/webhook) behind the token
 * cache (k8s.io/apiserver/pkg/authentication/token/cache): a TokenReview per unknown token; answers
 * are cached by token hash for the TTL (errors are not), concurrent lookups of one token share a call.
 */
export function webhookTokenAuthenticator(options: AuthnWebhookOptions): TokenAuthenticator {
  const ttl = options.cacheTtlMs ?? 120_000;
  const cache = new Map<string, { expires: number; result: Authenticated | undefined }>();
  const inflight = new Map<string, Promise<Authenticated | undefined>>();

  const review = async (token: string, audiences: string[]): Promise<Authenticated | undefined> => {
    const body = JSON.stringify({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      metadata: { creationTimestamp: null },
      spec: { token, ...(audiences.length ? { audiences } : {}) },
      status: { user: {} },
    });
    const status = await postTokenReview(options, body);
    if (!status.authenticated) {
      if (status.error) throw new AuthenticationError(status.error);
      return undefined;
    }
    // Webhook audiences: an explicit answer must meet the wanted ones; none means the API server's.
    let auds = audiences;
    if (audiences.length > 0) {
      auds = intersect(audiences, status.audiences?.length ? status.audiences : API_AUDIENCES);
      if (auds.length === 0) return undefined;
    }
    const u = status.user ?? {};
    return {
      user: {
        username: u.username ?? '',
        ...(u.uid ? { uid: u.uid } : {}),
        groups: [...(u.groups ?? [])],
        ...(u.extra ? { extra: u.extra } : {}),
      },
      audiences: auds,
    };
  };

  return async (token, audiences) => {
    const key = createHash('sha256').update(audiences.join('\u0000')).update('\u0001').update(token).digest('hex');
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.expires > now) return hit.result;
    let pending = inflight.get(key);
    if (!pending) {
      pending = review(token, audiences)
        .then((result) => {
          if (cache.size >= 4096) for (const [k, v] of cache) if (v.expires <= now) cache.delete(k);
          cache.set(key, { expires: Date.now() + ttl, result });
          return result;
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    return pending;
  };
}

class WebhookCallError extends AuthenticationError {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
  }
}

/** webhook.DefaultShouldRetry: connection resets, 429 and 5xx are retried with a short backoff. */
async function postTokenReview(options: AuthnWebhookOptions, body: string): Promise<TokenReviewStatus> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await postOnce(options, body);
    } catch (e) {
      if (!(e instanceof WebhookCallError) || !e.retriable || attempt >= WEBHOOK_ATTEMPTS)
        throw e instanceof AuthenticationError ? e : new AuthenticationError(String(e));
      await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1)));
    }
  }
}

function postOnce(options: AuthnWebhookOptions, body: string): Promise<TokenReviewStatus> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      options.url,
      {
        method: 'POST',
        ca: options.caBundle,
        timeout: WEBHOOK_TIMEOUT_MS,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, */*',
          'Content-Length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (code < 200 || code >= 300)
            return reject(
              new WebhookCallError(
                `the server responded with the status code ${code} but did not return more information`,
                code === 429 || code >= 500,
              ),
            );
          try {
            const parsed = JSON.parse(text) as { status?: TokenReviewStatus };
            resolve(parsed.status ?? {});
          } catch (e) {
            reject(new WebhookCallError(`couldn't decode the webhook's TokenReview: ${e instanceof Error ? e.message : String(e)}`, false));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new WebhookCallError('context deadline exceeded', false)));
    req.on('error', (e: NodeJS.ErrnoException) =>
      reject(e instanceof WebhookCallError ? e : new WebhookCallError(`Post "${options.url}": ${e.message}`, e.code === 'ECONNRESET')),
    );
    req.end(body);
  });
}

/** union.New over token authenticators: the first that knows the token wins; errors are aggregated. */
export function tokenUnion(list: TokenAuthenticator[]): TokenAuthenticator {
  return async (token, audiences) => {
    const errs: string[] = [];
    for (const authenticate of list) {
      try {
        const r = await authenticate(token, audiences);
        if (r) return r;
      } catch (e) {
        if (!(e instanceof AuthenticationError)) throw e;
        errs.push(e.message);
      }
    }
    if (errs.length) throw new AuthenticationError(aggregate(errs));
    return undefined;
  };
}

/** utilerrors.NewAggregate(...).Error(). */
function aggregate(errs: string[]): string {
  const unique = [...new Set(errs)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}

/** bearertoken.New: `Authorization: Bearer <token>` (and the WebSocket subprotocol form kubectl can use). */
export function bearerToken(req: IncomingMessage): string | undefined {
  const auth = (req.headers.authorization ?? '').trim();
  if (auth) {
    const parts = auth.split(' ');
    if (parts.length >= 2 && parts[0].toLowerCase() === 'bearer' && parts[1]) return parts[1];
    return undefined;
  }
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string' && req.headers.upgrade) {
    const prefix = 'base64url.bearer.authorization.k8s.io.';
    for (const p of protocols.split(',').map((s) => s.trim()))
      if (p.startsWith(prefix)) {
        const t = Buffer.from(p.slice(prefix.length), 'base64url').toString('utf8');
        if (t) return t;
      }
  }
  return undefined;
}

/** group.NewAuthenticatedGroupAdder. */
function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (
    user.username === ANONYMOUS_USER.username ||
    user.groups.includes('system:authenticated') ||
    user.groups.includes('system:unauthenticated')
  )
    return user;
  return { ...user, groups: [...user.groups, 'system:authenticated'] };
}

export interface AuthenticationChainOptions {
  clientCertificates?: (req: IncomingMessage) => Promise<UserInfo | undefined>;
  tokens: TokenAuthenticator[];
  anonymous?: boolean;
}

/** The request authenticator kube-apiserver builds from its flags. */
export class AuthenticationChain {
  private readonly tokens: TokenAuthenticator;

  constructor(private readonly options: AuthenticationChainOptions) {
    this.tokens = tokenUnion(options.tokens);
  }

  /** The full request authentication; `error` set means credentials were presented and refused. */
  async authenticateRequest(req: IncomingMessage, audiences: string[] = API_AUDIENCES): Promise<AuthenticationResult> {
    const errs: string[] = [];
    if (this.options.clientCertificates) {
      try {
        const user = await this.options.clientCertificates(req);
        if (user)
          return {
            user: withAuthenticatedGroup(user),
            audiences: intersect(audiences, API_AUDIENCES),
          };
      } catch (e) {
        if (!(e instanceof AuthenticationError)) throw e;
        errs.push(e.message);
      }
    }
    const token = bearerToken(req);
    if (token) {
      const r = await this.authenticateToken(token, audiences);
      if (r.user) return r;
      errs.push(r.error ?? 'invalid bearer token');
    }
    if (errs.length) return { error: aggregate(errs) };
    if (this.options.anonymous)
      return {
        user: ANONYMOUS_USER,
        audiences: intersect(audiences, API_AUDIENCES),
      };
    return {};
  }

  /** A bearer token alone, as TokenReview asks. */
  async authenticateToken(token: string, audiences: string[] = API_AUDIENCES): Promise<AuthenticationResult> {
    try {
      const r = await this.tokens(token, audiences);
      if (r) return { user: withAuthenticatedGroup(r.user), audiences: r.audiences };
      return { error: 'invalid bearer token' };
    } catch (e) {
      if (!(e instanceof AuthenticationError)) throw e;
      return { error: e.message };
    }
  }

  /** The pipeline's Authenticator: the user, or undefined for a 401. */
  readonly authenticate = async (req: IncomingMessage): Promise<UserInfo | undefined> => (await this.authenticateRequest(req)).user;
}
