import { randomBytes } from 'node:crypto';
import { isSealedValue, SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = SecretBox.fromBase64(randomBytes(32).toString('base64'));

  it('seals a value so that it reads back only with the same key', () => {
    const sealed = box.seal({ d: 'private-key-material' });
    expect(isSealedValue(sealed)).toBe(true);
    expect(JSON.stringify(sealed)).not.toContain('private-key-material');
    expect(box.open(sealed)).toEqual({ d: 'private-key-material' });
    const other = SecretBox.fromBase64(randomBytes(32).toString('base64'));
    expect(() => other.open(sealed)).toThrow();
  });

  it('refuses a tampered value', () => {
    const sealed = box.seal('secret');
    const flipped = Buffer.from(sealed.data, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => box.open({ ...sealed, data: flipped.toString('base64') })).toThrow();
  });

  it('names its key by an id that is the same for the same key and reveals nothing of it', () => {
    const key = randomBytes(32);
    const id = SecretBox.fromBase64(key.toString('base64')).keyId;
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(SecretBox.fromBase64(key.toString('base64')).keyId).toBe(id);
    expect(box.keyId).not.toBe(id);
    expect(key.toString('hex')).not.toContain(id);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => SecretBox.fromBase64(randomBytes(16).toString('base64'))).toThrow('CUBE_SECRET_KEY must be 32 bytes');
  });
});
