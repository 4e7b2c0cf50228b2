import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JSONCodec, KV, NatsConnection, StorageType, Subscription } from 'nats';
import { DISABLED_USERS_BUCKET, DisabledUserEntry, WardenIdentityEvents } from '@cube/contracts';
import { JETSTREAM_CONNECTION } from '@cube/messaging';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { IdentityEnvironment } from '../identity-environment';
import { UsersRepository } from '../users/users.repository';

/** A user's state for Warden; a user without a row (deleted) is `undefined`. */
export type PublishedUserState = 'active' | 'disabled';

const codec = JSONCodec<DisabledUserEntry>();
/** Clock skew between identity and a member's Warden, added before a deleted user's key is dropped. */
const CLOCK_SKEW_MS = 5 * 60_000;
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * The `cube-disabled-users` bucket's rules, apart from where the users' states come from: a
 * disabled or deleted user has a key (its `since` kept from the first put), an active one none.
 * A deleted user's key outlives the access tokens issued before its deletion, then goes.
 */
export class DisabledUsersBucket {
  constructor(
    private readonly kv: KV,
    /** How long a deleted user's key is kept: the access-token lifetime (no token of theirs is valid after). */
    private readonly keepDeletedMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** One user, after an event about them: `state` is what the database holds now. */
  async sync(user: string, state: PublishedUserState | undefined): Promise<void> {
    if (state !== 'active') await this.mark(user);
    // Only a published key is deleted: a profile edit of an active user is no change for the Wardens.
    else if (await this.read(user)) await this.kv.delete(user);
  }

  /** Every user (`states`: each existing user's state): puts the disabled, deletes stray keys. */
  async resync(states: ReadonlyMap<string, PublishedUserState>): Promise<void> {
    for (const [user, state] of states) if (state === 'disabled') await this.mark(user);
    // Keys first, then the reads and deletes: nats.js ends a keys() iteration early when its loop body awaits.
    const published: string[] = [];
    for await (const key of await this.kv.keys()) published.push(key);
    for (const key of published) {
      const state = states.get(key);
      if (state === 'disabled') continue;
      if (state === undefined) {
        const entry = await this.read(key);
        if (entry && this.now() - Date.parse(entry.since) <= this.keepDeletedMs + CLOCK_SKEW_MS) continue;
      }
      await this.kv.delete(key);
    }
  }

  private async mark(user: string): Promise<void> {
    if (await this.read(user)) return;
    await this.kv.put(user, codec.encode({ user, since: new Date(this.now()).toISOString() }));
  }

  private async read(key: string): Promise<DisabledUserEntry | undefined> {
    const entry = await this.kv.get(key);
    return entry && entry.operation === 'PUT' ? codec.decode(entry.value) : undefined;
  }
}

/**
 * Publishes the users Warden must refuse (disabled or deleted) to `cube-disabled-users`, which each
 * Warden mirrors with a full read on every reconnect: unlike the core events it once listened to,
 * nothing is lost while a Warden is away. Identity's own `user.*` events drive the updates (the
 * database decides the state); a full resync at start, after each NATS reconnect and after a failed
 * update repairs whatever was missed.
 */
@Injectable()
export class DisabledUsersPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DisabledUsersPublisher.name);
  private bucket: Promise<DisabledUsersBucket> | undefined;
  private readonly subscriptions: Subscription[] = [];
  /** One update at a time, so that a later one never lands before an earlier one. */
  private queue: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_FIRST_MS;
  private stopped = false;

  constructor(
    private readonly users: UsersRepository,
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: IdentityEnvironment,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const subject of [WardenIdentityEvents.userCreated, WardenIdentityEvents.userUpdated, WardenIdentityEvents.userDeleted]) {
      this.subscriptions.push(
        this.nats.subscribe(subject, {
          callback: (error, message) => {
            if (error) return;
            const user = JSONCodec<{ data?: { name?: string } }>().decode(message.data).data?.name;
            if (user) void this.enqueue(() => this.syncUser(user));
          },
        }),
      );
    }
    void (async () => {
      for await (const status of this.nats.status()) if (status.type === 'reconnect') void this.enqueue(() => this.resyncAll());
    })();
    await this.enqueue(() => this.resyncAll());
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step).catch((error: unknown) => {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'could not publish disabled users; resyncing later',
      );
      this.retryLater();
    });
    this.queue = next;
    return next;
  }

  /** A failed update is not retried alone: a full resync with backoff covers it and anything else missed. */
  private retryLater(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.enqueue(() => this.resyncAll());
    }, delay);
  }

  private async syncUser(user: string): Promise<void> {
    await (await this.kv()).sync(user, (await this.users.find(user))?.state);
  }

  private async resyncAll(): Promise<void> {
    await (await this.kv()).resync(await this.users.states());
    this.retryDelay = RETRY_FIRST_MS;
  }

  private kv(): Promise<DisabledUsersBucket> {
    this.bucket ??= this.nats
      .jetstream()
      .views.kv(DISABLED_USERS_BUCKET, { history: 1, storage: StorageType.File })
      .then((kv) => new DisabledUsersBucket(kv, this.env.CUBE_ACCESS_TOKEN_TTL_SECONDS * 1000));
    this.bucket.catch(() => (this.bucket = undefined));
    return this.bucket;
  }
}
