import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A value sealed with AES-256-GCM, as stored in a jsonb column. */
export interface SealedValue {
  sealed: 'aes-256-gcm';
  iv: string;
  tag: string;
  data: string;
}

export function isSealedValue(value: unknown): value is SealedValue {
  return typeof value === 'object' && value !== null && (value as { sealed?: unknown }).sealed === 'aes-256-gcm';
}

/**
 * Encryption at rest for secrets kept in PostgreSQL (signing keys, cluster credentials):
 * AES-256-GCM with a fresh 96-bit IV per value; the tag makes tampering fail loudly.
 */
export class SecretBox {
  /**
   * Names the key without revealing it (a hash prefix), stored beside sealed values so that after a
   * key rotation the values still sealed with the old key are recognised.
   */
  readonly keyId: string;

  private constructor(private readonly key: Buffer) {
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  /** `CUBE_SECRET_KEY`: 32 random bytes, base64 (e.g. `openssl rand -base64 32`). */
  static fromBase64(key: string): SecretBox {
    const bytes = Buffer.from(key, 'base64');
    if (bytes.length !== 32) throw new Error('CUBE_SECRET_KEY must be 32 bytes, base64-encoded');
    return new SecretBox(bytes);
  }

  seal(value: unknown): SealedValue {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return { sealed: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  open<T>(sealed: SealedValue): T {
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  }
}
