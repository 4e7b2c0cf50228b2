import { Inject, Injectable } from '@nestjs/common';
import { JSONCodec, KV, NatsConnection } from 'nats';
import { DISABLED_USERS_BUCKET, DisabledUserEntry, WardenIdentityEvents } from '@cube/contracts';
import { JETSTREAM_CONNECTION, KvProjection, kvKeys } from '@cube/messaging';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { IdentityEnvironment } from '../identity-environment';
import { UsersRepository } from '../users/users.repository';

/** A user's state for Warden; a user without a row (deleted) is `undefined`. */
export type PublishedUserState = 'active' | 'disabled';

const codec = JSONCodec<DisabledUserEntry>();
/** Clock skew between identity and a member's Warden, added before a deleted user's key is dropped. */
const CLOCK_SKEW_MS = 5 * 60_000;

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
    for (const key of await kvKeys(this.kv)) {
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
export class DisabledUsersPublisher extends KvProjection {
  constructor(
    private readonly users: UsersRepository,
    @Inject(JETSTREAM_CONNECTION) nats: NatsConnection,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: IdentityEnvironment,
  ) {
    super(nats, { what: 'disabled users' });
  }

  protected override listen(): void {
    for (const subject of [WardenIdentityEvents.userCreated, WardenIdentityEvents.userUpdated, WardenIdentityEvents.userDeleted]) {
      this.subscribe(subject, (data) => {
        const user = JSONCodec<{ data?: { name?: string } }>().decode(data).data?.name;
        if (user) void this.enqueue(async () => (await this.disabledUsers()).sync(user, (await this.users.find(user))?.state));
      });
    }
  }

  protected async resync(): Promise<void> {
    await (await this.disabledUsers()).resync(await this.users.states());
  }

  private async disabledUsers(): Promise<DisabledUsersBucket> {
    return new DisabledUsersBucket(await this.bucket(DISABLED_USERS_BUCKET), this.env.CUBE_ACCESS_TOKEN_TTL_SECONDS * 1000);
  }
}
