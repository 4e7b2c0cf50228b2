import { Inject, Injectable } from '@nestjs/common';
import { JSONCodec, KV, NatsConnection } from 'nats';
import { API_TOKEN_VERIFIERS_BUCKET, ApiTokenVerifierEntry, eventSubject, WardenIdentityEvents } from '@cube/contracts';
import { JETSTREAM_CONNECTION, KvProjection } from '@cube/messaging';
import { ApiTokensRepository } from './api-tokens.repository';

const codec = JSONCodec<ApiTokenVerifierEntry>();

/**
 * Publishes what each Warden needs to accept API tokens offline (issue #7): per usable token,
 * `{ user, groups, expiresAt }` under its SHA-256 in `cube-api-tokens`. A token stops being
 * published when it is revoked, expires or its user is disabled or deleted. Identity's own
 * `token.revoked` and `user.*` events drive the updates, so the handlers stay as they are; a full
 * resync (at start, after a NATS reconnect or a failed write) repairs whatever was missed.
 */
@Injectable()
export class ApiTokenVerifiersPublisher extends KvProjection {
  constructor(
    private readonly tokens: ApiTokensRepository,
    @Inject(JETSTREAM_CONNECTION) nats: NatsConnection,
  ) {
    super(nats, { what: 'API token verifiers' });
  }

  protected override listen(): void {
    for (const subject of [
      eventSubject('identity', 'token', 'revoked'),
      WardenIdentityEvents.userUpdated,
      WardenIdentityEvents.userDeleted,
    ]) {
      this.subscribe(subject, (data) => {
        const event = JSONCodec<{ data?: { name?: string; owner?: string } }>().decode(data);
        const user = event.data?.owner ?? event.data?.name;
        if (user) void this.syncUser(user);
      });
    }
  }

  /** Republishes the user's verifiers: after a token was created or revoked, or the user changed. */
  syncUser(user: string): Promise<void> {
    return this.enqueue(() => this.publish(user));
  }

  protected resync(): Promise<void> {
    return this.publish(null);
  }

  /** Puts the usable tokens (of `user`, or of everyone) and deletes the published ones that are not. */
  private async publish(user: string | null): Promise<void> {
    const kv = await this.bucket(API_TOKEN_VERIFIERS_BUCKET);
    const usable = new Set<string>();
    for (const row of await this.tokens.usable(user)) {
      const key = row.tokenHash.trim();
      usable.add(key);
      await kv.put(key, codec.encode({ user: row.user, groups: row.groups, expiresAt: row.expiresAt?.toISOString() ?? null }));
    }
    await this.removeStale(kv, async (key) => usable.has(key) || (user !== null && !(await this.publishedFor(kv, key, user))));
  }

  private async publishedFor(kv: KV, key: string, user: string): Promise<boolean> {
    const entry = await kv.get(key);
    return entry !== null && entry.operation === 'PUT' && codec.decode(entry.value).user === user;
  }
}
