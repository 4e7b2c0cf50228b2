import { randomUUID } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import { JSONCodec, NatsConnection } from 'nats';
import { Envelope, IdentitySubjects } from '@cube/contracts';
import { StateCache } from '../autonomy/state-cache';

const CACHE_NAME = 'jwks';
const JWKS_REQUEST_TIMEOUT_MS = 5000;
const codec = JSONCodec();

/**
 * Identity's JWKS as Warden gets it: asked over NATS (`cube.identity.jwks.get`, the subject the
 * gateway's /.well-known/jwks.json uses) and written to the autonomy cache; without NATS, the cached
 * copy. The request speaks Nest's NATS wire format (`{ pattern, data, id }` → `{ response | err }`).
 */
export class JwksSource {
  private nats: NatsConnection | undefined;

  constructor(private readonly cache: StateCache) {}

  cached(): Promise<JSONWebKeySet | undefined> {
    return this.cache.read<JSONWebKeySet>(CACHE_NAME);
  }

  use(nats: NatsConnection): void {
    this.nats = nats;
  }

  async fetch(): Promise<JSONWebKeySet> {
    if (!this.nats || this.nats.isClosed()) throw new Error('NATS is not connected');
    const envelope: Envelope<Record<string, never>> = { actor: { kind: 'system', name: 'warden' }, requestId: randomUUID(), payload: {} };
    const reply = await this.nats.request(IdentitySubjects.jwks, codec.encode({ pattern: IdentitySubjects.jwks, data: envelope, id: randomUUID() }), {
      timeout: JWKS_REQUEST_TIMEOUT_MS,
    });
    const answer = codec.decode(reply.data) as { response?: JSONWebKeySet; err?: unknown };
    if (!answer.response || !Array.isArray(answer.response.keys)) throw new Error('identity did not answer with a JWKS');
    await this.cache.write(CACHE_NAME, answer.response);
    return answer.response;
  }
}
