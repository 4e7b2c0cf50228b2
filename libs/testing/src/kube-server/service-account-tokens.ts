// Bound service-account tokens as kube-apiserver issues and checks them (pkg/serviceaccount and
// pkg/registry/core/serviceaccount/storage/token.go): RS256 JWTs signed with the server's own key,
// `kid` = base64url(sha256(PKIX public key)), the kubernetes.io private claim naming the service
// account (and the bound Pod or Secret), refused once the account or bound object is gone.
import { createPrivateKey, createPublicKey, generateKeyPair, createHash, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, importPKCS8, importSPKI, jwtVerify, SignJWT } from 'jose';
import { API_AUDIENCES, AuthenticationError, TokenAuthenticator } from './authn';
import { ObjectApi } from './object-api';
import { UserInfo } from './pipeline';
import { ApiError, failure, StatusCause } from './status';
import { isObject, KubeObject } from './types';

export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

const MIN_EXPIRATION_SECONDS = 10 * 60;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
const DEFAULT_EXPIRATION_SECONDS = 60 * 60;
const CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

type JoseKey = Awaited<ReturnType<typeof importPKCS8>>;

interface Ref {
  name: string;
  uid: string;
}

/** The `kubernetes.io` private claim (pkg/serviceaccount/claims.go). */
interface KubernetesClaim {
  namespace: string;
  serviceaccount: Ref;
  pod?: Ref;
  secret?: Ref;
  node?: Ref;
}

export interface TokenBinding {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
}

export interface IssueTokenOptions {
  namespace: string;
  name: string;
  uid: string;
  audiences: string[];
  expirationSeconds: number;
  boundObject?: TokenBinding;
  /** Seconds since the epoch; tests pass an old time to get an expired token. */
  issuedAt?: number;
}

interface SigningKeys {
  kid: string;
  signingKey: JoseKey;
  verifyKey: JoseKey;
}

export class ServiceAccountTokens {
  private keys?: Promise<SigningKeys>;

  /**
   * `privateKeyPem` is the persisted signing key (--service-account-key-file); without one, an RSA
   * key is made on first use (it takes most of a second) and `onNewKey` is told so it can be saved.
   */
  constructor(
    private pem?: string,
    private readonly onNewKey?: () => void,
  ) {}

  /** PKCS#8 PEM, kept in the state file; undefined until a key exists. */
  get privateKeyPem(): string | undefined {
    return this.pem;
  }

  async keyId(): Promise<string> {
    return (await this.signingKeys()).kid;
  }

  private signingKeys(): Promise<SigningKeys> {
    this.keys ??= (async () => {
      let pem = this.pem;
      if (!pem) {
        pem = (
          await promisify(generateKeyPair)('rsa', {
            modulusLength: 2048,
            privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
            publicKeyEncoding: { type: 'spki', format: 'pem' },
          })
        ).privateKey;
        this.pem = pem;
        this.onNewKey?.();
      }
      const publicKey = createPublicKey(createPrivateKey(pem));
      const der = publicKey.export({ type: 'spki', format: 'der' });
      const spki = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      return {
        kid: createHash('sha256').update(der).digest('base64url'),
        signingKey: await importPKCS8(pem, 'RS256'),
        verifyKey: await importSPKI(spki, 'RS256'),
      };
    })();
    return this.keys;
  }

  async issue(o: IssueTokenOptions): Promise<{ token: string; expires: Date }> {
    const keys = await this.signingKeys();
    const iat = o.issuedAt ?? Math.floor(Date.now() / 1000);
    const exp = iat + o.expirationSeconds;
    const claim: KubernetesClaim = {
      namespace: o.namespace,
      serviceaccount: { name: o.name, uid: o.uid },
    };
    if (o.boundObject) {
      const ref = { name: o.boundObject.name, uid: o.boundObject.uid };
      if (o.boundObject.kind === 'Pod') claim.pod = ref;
      else if (o.boundObject.kind === 'Secret') claim.secret = ref;
      else claim.node = ref;
    }
    const token = await new SignJWT({ 'kubernetes.io': claim })
      .setProtectedHeader({ alg: 'RS256', kid: keys.kid })
      .setIssuer(SERVICE_ACCOUNT_ISSUER)
      .setSubject(`system:serviceaccount:${o.namespace}:${o.name}`)
      .setAudience(o.audiences)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(keys.signingKey);
    return { token, expires: new Date(exp * 1000) };
  }

  /**
   * The JWT token authenticator with the bound-token validator: tokens of another issuer or not
   * JWTs are not its business; a bad signature, expiry or a vanished account/object is an error.
   */
  authenticator(api: ObjectApi): TokenAuthenticator {
    return async (token, audiences) => {
      let header: { kid?: string; alg?: string };
      let iss: unknown;
      try {
        header = decodeProtectedHeader(token);
        iss = decodeJwt(token).iss;
      } catch {
        return undefined;
      }
      if (iss !== SERVICE_ACCOUNT_ISSUER) return undefined;
      // No key yet: nothing was ever signed here.
      if (!this.pem) throw new AuthenticationError('crypto/rsa: verification error');
      const keys = await this.signingKeys();
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, keys.verifyKey, {
          algorithms: ['RS256'],
          issuer: SERVICE_ACCOUNT_ISSUER,
        }));
      } catch (e) {
        if (e instanceof joseErrors.JWTExpired) throw new AuthenticationError('service account token has expired');
        if (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'nbf')
          throw new AuthenticationError('service account token is not valid yet');
        if (e instanceof joseErrors.JOSEError)
          throw new AuthenticationError(
            header.kid && header.kid !== keys.kid ? 'token signed by an unknown key' : 'crypto/rsa: verification error',
          );
        throw e;
      }
      const tokenAuds = typeof payload.aud === 'string' ? [payload.aud] : ((payload.aud as string[] | undefined) ?? []);
      const auds = audiences.filter((a) => tokenAuds.includes(a));
      if (audiences.length > 0 && auds.length === 0) throw new AuthenticationError('token audiences is invalid');
      const k = payload['kubernetes.io'];
      if (!isObject(k) || !isObject(k.serviceaccount)) throw new AuthenticationError('service account token claims could not be read');
      const claim = k as unknown as KubernetesClaim;
      const user = this.validate(api, claim, String(payload.jti ?? ''));
      return { user, audiences: auds };
    };
  }

  /** claims.go Validate: the account (and any bound Pod/Secret) must still exist with the same uid. */
  private validate(api: ObjectApi, claim: KubernetesClaim, jti: string): UserInfo {
    const ns = claim.namespace;
    const find = (plural: string, name: string) => {
      const t = api.registry.findAnyVersion('', plural);
      return t ? api.tryGet(t, ns, name) : undefined;
    };
    const sa = find('serviceaccounts', claim.serviceaccount.name);
    if (!sa || sa.metadata.deletionTimestamp) throw new AuthenticationError(`serviceaccounts "${claim.serviceaccount.name}" not found`);
    if (sa.metadata.uid !== claim.serviceaccount.uid)
      throw new AuthenticationError(`service account UID (${String(sa.metadata.uid)}) does not match claim (${claim.serviceaccount.uid})`);
    const extra: Record<string, string[]> = {};
    for (const [kind, plural, ref] of [
      ['Pod', 'pods', claim.pod],
      ['Secret', 'secrets', claim.secret],
    ] as const) {
      if (!ref) continue;
      const o = find(plural, ref.name);
      if (!o || o.metadata.deletionTimestamp) throw new AuthenticationError(`${plural} "${ref.name}" not found`);
      if (o.metadata.uid !== ref.uid)
        throw new AuthenticationError(`${kind} UID (${String(o.metadata.uid)}) does not match claim (${ref.uid})`);
    }
    if (claim.pod) {
      extra['authentication.kubernetes.io/pod-name'] = [claim.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [claim.pod.uid];
    }
    if (claim.node) {
      extra['authentication.kubernetes.io/node-name'] = [claim.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [claim.node.uid];
    }
    if (jti) extra[CREDENTIAL_ID] = [`JTI=${jti}`];
    return {
      username: `system:serviceaccount:${ns}:${claim.serviceaccount.name}`,
      uid: String(sa.metadata.uid),
      groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`],
      extra,
    };
  }

  /** POST .../serviceaccounts/{name}/token: TokenREST.Create. */
  async tokenRequest(api: ObjectApi, namespace: string, name: string, body: KubeObject): Promise<KubeObject> {
    const meta = body.metadata ?? {};
    const spec = (isObject(body.spec) ? body.spec : {}) as Record<string, unknown>;
    if (meta.name && meta.name !== name)
      throw invalid(name, [cause('metadata.name', meta.name, 'must match the service account name if specified')]);
    if (meta.namespace && meta.namespace !== namespace)
      throw invalid(name, [cause('metadata.namespace', meta.namespace, 'must match the service account namespace if specified')]);
    const saType = api.registry.findAnyVersion('', 'serviceaccounts');
    if (!saType) throw new Error('missing serviceaccounts');
    const sa = api.get(saType, namespace, name);
    if (meta.uid && meta.uid !== sa.metadata.uid)
      throw new ApiError(
        failure(
          409,
          'Conflict',
          `Operation cannot be fulfilled on TokenRequest.authentication.k8s.io "${name}": the UID in the token request (${meta.uid}) does not match the UID of the service account (${String(sa.metadata.uid)})`,
          { name, group: 'authentication.k8s.io', kind: 'TokenRequest' },
        ),
      );
    const audiences = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences.map(String) : API_AUDIENCES;
    const expirationSeconds =
      spec.expirationSeconds === undefined || spec.expirationSeconds === null ? DEFAULT_EXPIRATION_SECONDS : Number(spec.expirationSeconds);
    // ValidateTokenRequest (pkg/apis/authentication/validation); kube reports it with an empty name.
    if (expirationSeconds < MIN_EXPIRATION_SECONDS)
      throw invalid('', [cause('spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes')]);
    if (expirationSeconds > MAX_EXPIRATION_SECONDS)
      throw invalid('', [cause('spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds')]);
    const boundObject = this.boundObject(api, namespace, spec.boundObjectRef);
    const { token, expires } = await this.issue({
      namespace,
      name,
      uid: String(sa.metadata.uid),
      audiences,
      expirationSeconds,
      boundObject,
    });
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: {
        name,
        namespace,
        creationTimestamp: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      },
      spec: {
        audiences,
        expirationSeconds,
        boundObjectRef: isObject(spec.boundObjectRef) ? spec.boundObjectRef : null,
      },
      status: {
        token,
        expirationTimestamp: expires.toISOString().replace('.000Z', 'Z'),
      },
    };
  }

  private boundObject(api: ObjectApi, namespace: string, ref: unknown): TokenBinding | undefined {
    if (!isObject(ref)) return undefined;
    const kind = String(ref.kind ?? '');
    const name = String(ref.name ?? '');
    const plural = kind === 'Pod' ? 'pods' : kind === 'Secret' ? 'secrets' : kind === 'Node' ? 'nodes' : '';
    if (!plural) throw new ApiError(failure(400, 'BadRequest', `cannot bind token for object of kind ${kind}`));
    const t = api.registry.findAnyVersion('', plural);
    if (!t) throw new Error(`missing ${plural}`);
    const o = api.get(t, kind === 'Node' ? undefined : namespace, name);
    if (ref.uid && ref.uid !== o.metadata.uid)
      throw new ApiError(
        failure(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${plural} "${name}": the UID in the bound object reference (${String(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`,
          { name, kind: plural },
        ),
      );
    return {
      kind: kind as TokenBinding['kind'],
      name,
      uid: String(o.metadata.uid),
    };
  }
}

function cause(field: string, value: unknown, message: string): StatusCause {
  return {
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${typeof value === 'string' ? JSON.stringify(value) : String(value)}: ${message}`,
    field,
  };
}

/** errors.NewInvalid with the group-qualified kind, as TokenREST reports. */
function invalid(name: string, causes: StatusCause[]): ApiError {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new ApiError(
    failure(422, 'Invalid', `TokenRequest.authentication.k8s.io "${name}" is invalid: ${summary}`, {
      name,
      group: 'authentication.k8s.io',
      kind: 'TokenRequest',
      causes,
    }),
  );
}
