import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { exportJWK, generateKeyPair, importJWK, JWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ACCESS_TOKEN_AUDIENCE, ACCESS_TOKEN_ISSUER, JsonWebKeySet } from '@cube/contracts';
import { isSealedValue, SealedValue, SecretBox } from '@cube/persistence';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { IdentityEnvironment } from '../identity-environment';

interface KeyRow {
  kid: string;
  /** Sealed with CUBE_SECRET_KEY when one is configured. */
  private_jwk: JWK | SealedValue;
  public_jwk: JWK;
  created_at: Date;
}

/**
 * Ed25519 signing keys with rotation. The newest key signs; a retired key stays published in
 * the JWKS until every token it signed has expired (retirement + access-token lifetime).
 */
@Injectable()
export class SigningKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SigningKeysService.name);
  private readonly box: SecretBox | undefined;

  constructor(
    private readonly db: DataSource,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: IdentityEnvironment,
  ) {
    this.box = env.CUBE_SECRET_KEY ? SecretBox.fromBase64(env.CUBE_SECRET_KEY) : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.box) this.logger.warn('CUBE_SECRET_KEY is not set: token signing keys are stored unencrypted');
    await this.activeKey();
  }

  private privateJwkOf(row: KeyRow): JWK {
    if (!isSealedValue(row.private_jwk)) return row.private_jwk;
    if (!this.box) throw new Error(`signing key ${row.kid} is sealed but CUBE_SECRET_KEY is not set`);
    return this.box.open<JWK>(row.private_jwk);
  }

  /** The key that signs now; rotates when the current one is older than the rotation period. */
  async activeKey(): Promise<KeyRow> {
    const rows = (await this.db.query(
      `SELECT * FROM "identity"."signing_keys" WHERE "retired_at" IS NULL ORDER BY "created_at" DESC LIMIT 1`,
    )) as KeyRow[];
    const current = rows[0];
    const ageSeconds = current ? (Date.now() - current.created_at.getTime()) / 1000 : Infinity;
    if (current && ageSeconds < this.env.CUBE_SIGNING_KEY_ROTATION_SECONDS) return current;
    return this.rotate();
  }

  /** Creates a new signing key and retires the others, in one transaction (several replicas may race). */
  async rotate(): Promise<KeyRow> {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const kid = randomUUID();
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA', use: 'sig' };
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
    return this.db.transaction('READ COMMITTED', async (tx) => {
      await tx.query('LOCK TABLE "identity"."signing_keys" IN SHARE ROW EXCLUSIVE MODE');
      const fresh = (await tx.query(
        `SELECT * FROM "identity"."signing_keys" WHERE "retired_at" IS NULL
         AND "created_at" > now() - make_interval(secs => $1) ORDER BY "created_at" DESC LIMIT 1`,
        [this.env.CUBE_SIGNING_KEY_ROTATION_SECONDS],
      )) as KeyRow[];
      if (fresh[0]) return fresh[0];
      await tx.query(
        `UPDATE "identity"."signing_keys" SET "retired_at" = now(),
           "published_until" = now() + make_interval(secs => $1)
         WHERE "retired_at" IS NULL`,
        [this.env.CUBE_ACCESS_TOKEN_TTL_SECONDS + 60],
      );
      const inserted = (await tx.query(
        `INSERT INTO "identity"."signing_keys" ("kid", "private_jwk", "public_jwk") VALUES ($1, $2, $3) RETURNING *`,
        [kid, this.box ? this.box.seal(privateJwk) : privateJwk, publicJwk],
      )) as KeyRow[];
      this.logger.log({ kid }, 'signing key rotated');
      return inserted[0] as KeyRow;
    });
  }

  /** Public keys still needed to verify unexpired tokens. */
  async jwks(): Promise<JsonWebKeySet> {
    const rows = (await this.db.query(
      `SELECT "public_jwk" FROM "identity"."signing_keys"
       WHERE "retired_at" IS NULL OR "published_until" > now() ORDER BY "created_at" DESC`,
    )) as { public_jwk: JsonWebKeySet['keys'][number] }[];
    return { keys: rows.map((row) => row.public_jwk) };
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
