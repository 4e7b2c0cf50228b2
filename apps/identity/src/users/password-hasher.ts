import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

/** argon2id with the library's defaults (OWASP's recommended memory-hard parameters). */
@Injectable()
export class PasswordHasher {
  /** A hash of nothing anyone knows, verified when the user does not exist, so both paths cost the same. */
  private decoy: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id });
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    if (!hash) {
      this.decoy ??= this.hash(`decoy-${Math.random()}`);
      await argon2.verify(await this.decoy, password);
      return false;
    }
    return argon2.verify(hash, password);
  }
}
