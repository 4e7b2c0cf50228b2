import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JSONCodec, KV, NatsConnection, StorageType, Subscription } from 'nats';
import { API_TOKEN_VERIFIERS_BUCKET, ApiTokenVerifierEntry, eventSubject, WardenIdentityEvents } from '@cube/contracts';
import { JETSTREAM_CONNECTION } from '@cube/messaging';
import { ApiTokensRepository } from './api-tokens.repository';

const codec = JSONCodec<ApiTokenVerifierEntry>();

/**
 * Publishes what each Warden needs to accept API tokens offline (issue #7): per usable token,
 * `{ user, groups, expiresAt }` under its SHA-256 in `cube-api-tokens`. A token stops being
 * published when it is revoked, expires or its user is disabled or deleted. Identity's own
 * `token.revoked` and `user.*` events drive the updates, so the handlers stay as they are; a full
 * resync at start repairs whatever was missed while identity was down.
 */
@Injectable()
export class ApiTokenVerifiersPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ApiTokenVerifiersPublisher.name);
  private kv: Promise<KV> | undefined;
  private readonly subscriptions: Subscription[] = [];
  /** One sync at a time, so that a later sync never lands before an earlier one. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly tokens: ApiTokensRepository,
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const resyncUserOf = (data: Uint8Array) => {
      const event = JSONCodec<{ data?: { name?: string; owner?: string } }>().decode(data);
      const user = event.data?.owner ?? event.data?.name;
      if (user) void this.syncUser(user);
    };
    for (const subject of [
      eventSubject('identity', 'token', 'revoked'),
      WardenIdentityEvents.userUpdated,
      WardenIdentityEvents.userDeleted,
    ]) {
      this.subscriptions.push(this.nats.subscribe(subject, { callback: (error, message) => !error && resyncUserOf(message.data) }));
    }
    await this.enqueue(() => this.resync(null));
  }

  onModuleDestroy(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }

  /** Republishes the user's verifiers: after a token was created or revoked, or the user changed. */
  syncUser(user: string): Promise<void> {
    return this.enqueue(() => this.resync(user));
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step).catch((error: unknown) => {
      // The next sync of the user, or identity's next start, publishes the state again.
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not publish API token verifiers');
    });
    this.queue = next;
    return next;
  }

  /** Puts the usable tokens (of `user`, or of everyone) and deletes the published ones that are not. */
  private async resync(user: string | null): Promise<void> {
    const kv = await this.bucket();
    const rows = await this.tokens.usable(user);
    const usable = new Set<string>();
    for (const row of rows) {
      const key = row.tokenHash.trim();
      usable.add(key);
      await kv.put(key, codec.encode({ user: row.user, groups: row.groups, expiresAt: row.expiresAt?.toISOString() ?? null }));
    }
    // Keys first, then the deletes: nats.js ends a keys() iteration early when its loop body awaits.
    const published: string[] = [];
    for await (const key of await kv.keys()) published.push(key);
    for (const key of published) {
      if (usable.has(key)) continue;
      if (user !== null) {
        const entry = await kv.get(key);
        if (!entry || entry.operation !== 'PUT' || codec.decode(entry.value).user !== user) continue;
      }
      await kv.delete(key);
    }
  }

  private bucket(): Promise<KV> {
    this.kv ??= this.nats.jetstream().views.kv(API_TOKEN_VERIFIERS_BUCKET, { history: 1, storage: StorageType.File });
    this.kv.catch(() => (this.kv = undefined));
    return this.kv;
  }
}
