import { createHash, randomBytes } from 'node:crypto';

/** An opaque secret with 256 bits of entropy, URL-safe. */
export function newOpaqueSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/**
 * Opaque tokens are stored as SHA-256: they are random, so a fast hash is enough
 * (unlike passwords) and lookup by hash stays an index hit.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
