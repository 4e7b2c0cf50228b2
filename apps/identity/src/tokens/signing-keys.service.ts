import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { exportJWK, generateKeyPair, importJWK, JWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, JsonWebKeySet } from '@cube/contracts';
import { isSealedValue, SecretBox } from '@cube/persistence';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { IdentityEnvironment } from '../identity-environment';
import { SigningKeyEntity } from './signing-key.entity';
import { SigningKeysRepository } from './signing-keys.repository';

/**
 * Ed25519 signing keys with rotation. The newest key signs; a retired key stays published in
 * the JWKS until every token it signed has expired (retirement + access-token lifetime).
 */
@Injectable()
export class SigningKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SigningKeysService.name);
  private readonly box: SecretBox | undefined;

  constructor(
    private readonly keys: SigningKeysRepository,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: IdentityEnvironment,
  ) {
    this.box = env.CUBE_SECRET_KEY ? SecretBox.fromBase64(env.CUBE_SECRET_KEY) : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.box) this.logger.warn('CUBE_SECRET_KEY is not set: token signing keys are stored unencrypted');
    await this.activeKey();
  }

  private privateJwkOf(key: SigningKeyEntity): JWK {
    if (!isSealedValue(key.privateJwk)) return key.privateJwk;
    if (!this.box) throw new Error(`signing key ${key.kid} is sealed but CUBE_SECRET_KEY is not set`);
    return this.box.open<JWK>(key.privateJwk);
  }

  /** The key that signs now; rotates when the current one is older than the rotation period. */
  async activeKey(): Promise<SigningKeyEntity> {
    const current = await this.keys.newestActive();
    const ageSeconds = current ? (Date.now() - current.createdAt.getTime()) / 1000 : Infinity;
    if (current && ageSeconds < this.env.CUBE_SIGNING_KEY_ROTATION_SECONDS) return current;
    return this.rotate();
  }

  /** Creates a new signing key and retires the others, in one transaction (several replicas may race). */
  async rotate(): Promise<SigningKeyEntity> {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const kid = randomUUID();
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA', use: 'sig' };
    const publicJwk = { ...(await exportJWK(publicKey)), kty: 'OKP', kid, alg: 'EdDSA', use: 'sig' }; // Ed25519 keys are always OKP
    const { key, rotated } = await this.keys.replaceActive(
      { kid, privateJwk: this.box ? this.box.seal(privateJwk) : privateJwk, publicJwk },
      this.env.CUBE_SIGNING_KEY_ROTATION_SECONDS,
      this.env.CUBE_ACCESS_TOKEN_TTL_SECONDS + 60,
    );
    if (rotated) this.logger.log({ kid }, 'signing key rotated');
    return key;
  }

  /** Public keys still needed to verify unexpired tokens. */
  async jwks(): Promise<JsonWebKeySet> {
    return { keys: (await this.keys.published()).map((key) => key.publicJwk) };
  }

  async signAccessToken(subject: { name: string; groups: string[] }): Promise<{ token: string; expiresIn: number }> {
    const key = await this.activeKey();
    const privateKey = await importJWK(this.privateJwkOf(key), 'EdDSA');
    const expiresIn = this.env.CUBE_ACCESS_TOKEN_TTL_SECONDS;
    const token = await new SignJWT({ name: subject.name, groups: subject.groups })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
      .setSubject(subject.name)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${expiresIn}s`)
      .setIssuer(ACCESS_TOKEN_ISSUER)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .sign(privateKey);
    return { token, expiresIn };
  }
}
