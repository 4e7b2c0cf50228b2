import { DISABLED_USERS_BUCKET, DisabledUserEntry } from '@cube/contracts';
import { KvMirror, MirrorLogger } from '../autonomy/kv-mirror';
import { StateCache } from '../autonomy/state-cache';

/**
 * Users disabled or deleted in identity, whose access tokens (valid until they expire) are refused at
 * once: the `cube-disabled-users` bucket identity maintains, mirrored in memory and on disk, so a
 * Warden that was away reads it whole again and one restarted without NATS still refuses them.
 */
export class DisabledUsers extends KvMirror<DisabledUserEntry> {
  constructor(cache: StateCache, logger: MirrorLogger, bucket = DISABLED_USERS_BUCKET) {
    super(bucket, cache, logger);
  }

  has(user: string): boolean {
    return this.get(user) !== undefined;
  }
}
