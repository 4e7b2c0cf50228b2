import { JSONCodec, NatsConnection, Subscription } from 'nats';
import { eventSubject, User } from '@cube/contracts';
import { StateCache } from '../autonomy/state-cache';

const CACHE_NAME = 'disabled-users';
const codec = JSONCodec<{ data?: Partial<User> }>();

/**
 * Users disabled or deleted in identity, from its `user.*` events: their access tokens (valid until
 * they expire) stop being accepted at once. Kept on disk with the rest of the autonomy cache.
 */
export class DisabledUsers {
  private users = new Set<string>();
  private subscriptions: Subscription[] = [];

  constructor(private readonly cache: StateCache) {}

  async load(): Promise<void> {
    this.users = new Set((await this.cache.read<string[]>(CACHE_NAME)) ?? []);
  }

  has(user: string): boolean {
    return this.users.has(user);
  }

  follow(nats: NatsConnection): void {
    const on = (event: string, change: (user: Partial<User>) => boolean) =>
      nats.subscribe(eventSubject('identity', 'user', event), {
        callback: (error, message) => {
          if (error) return;
          const user = codec.decode(message.data).data;
          if (user?.name && change(user)) void this.cache.write(CACHE_NAME, [...this.users]).catch(() => undefined);
        },
      });
    this.subscriptions = [
      on('updated', (user) => (user.state === 'disabled' ? this.add(user.name as string) : this.delete(user.name as string))),
      on('deleted', (user) => this.add(user.name as string)),
      on('created', (user) => this.delete(user.name as string)),
    ];
  }

  stop(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }

  private add(user: string): boolean {
    if (this.users.has(user)) return false;
    this.users.add(user);
    return true;
  }

  private delete(user: string): boolean {
    return this.users.delete(user);
  }
}
