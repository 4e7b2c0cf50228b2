import type { JSONWebKeySet } from 'jose';
import { IdentitySubjects } from '@cube/contracts';
import type { ServiceBus } from '@cube/messaging';
import { StateCache } from '../autonomy/state-cache';

const CACHE_NAME = 'jwks';
const JWKS_REQUEST_TIMEOUT_MS = 5000;

/**
 * Identity's JWKS as Warden gets it: asked over NATS (`cube.identity.jwks.get`, the subject the
 * gateway's /.well-known/jwks.json uses) as the system through Warden's service bus, and written to
 * the autonomy cache; without NATS, the cached copy. Made before the Nest application (the webhooks
 * answer from the cache first), so the bus is lent to it once the application has one.
 */
export class JwksSource {
  private bus: ServiceBus | undefined;

  constructor(private readonly cache: StateCache) {}

  cached(): Promise<JSONWebKeySet | undefined> {
    return this.cache.read<JSONWebKeySet>(CACHE_NAME);
  }

  use(bus: ServiceBus): void {
    this.bus = bus;
  }

  async fetch(): Promise<JSONWebKeySet> {
    if (!this.bus) throw new Error('NATS is not connected');
    const keys = await this.bus.requestAsSystem(IdentitySubjects.jwks, {}, { timeoutMs: JWKS_REQUEST_TIMEOUT_MS });
    if (!keys || !Array.isArray(keys.keys)) throw new Error('identity did not answer with a JWKS');
    await this.cache.write(CACHE_NAME, keys);
    return keys;
  }
}
