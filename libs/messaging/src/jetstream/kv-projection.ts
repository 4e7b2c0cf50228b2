import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { KV, NatsConnection, StorageType, Subscription } from 'nats';
import { destroyBucket } from './desired-state-store';

export interface KvProjectionOptions {
  /** What is published, for log lines ("API token verifiers"). */
  what: string;
  /** First wait before a full resync after a failed write; it doubles up to `retryMaxMs` and resets after a resync succeeded. */
  retryFirstMs?: number;
  retryMaxMs?: number;
}

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;

/** Every key of the bucket, read before anything else is done with them. */
export async function kvKeys(kv: KV): Promise<string[]> {
  // Keys first, then whatever the caller does with them: nats.js ends a keys() iteration early when its loop body awaits.
  const keys: string[] = [];
  for await (const key of await kv.keys()) keys.push(key);
  return keys;
}

/**
 * A projection of the service's database into JetStream KV buckets that other processes (Warden)
 * read. The one way to publish one: a subclass says how to write everything (`resync`) and how to
 * write a part after a change (`enqueue`); the base owns the rest:
 * - buckets opened lazily, one per name, a failed open retried on the next use;
 * - one write at a time, in the order asked, so a later write never lands before an earlier one
 *   (each write reads the committed rows again, so the last one carries the latest state);
 * - a full resync at start, after every NATS reconnect, and after a failed write, with backoff;
 * - stale keys removed keys-first (`removeStale`).
 */
export abstract class KvProjection implements OnApplicationBootstrap, OnModuleDestroy {
  protected readonly logger: Logger;
  private readonly buckets = new Map<string, Promise<KV>>();
  private readonly subscriptions: Subscription[] = [];
  private queue: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay: number;
  private stopped = false;

  protected constructor(
    protected readonly nats: NatsConnection,
    private readonly options: KvProjectionOptions,
  ) {
    this.logger = new Logger(new.target.name);
    this.retryDelay = options.retryFirstMs ?? RETRY_FIRST_MS;
  }

  /** Writes the whole projection from the database: puts what is, removes what is not (`removeStale`). */
  protected abstract resync(): Promise<void>;

  /** Subscribes to what drives partial writes (with `subscribe`); runs once at start, before the first resync. */
  protected listen(): void {
    // A projection written only on calls has nothing to listen to.
  }

  async onApplicationBootstrap(): Promise<void> {
    this.listen();
    void this.resyncOnReconnect();
    await this.enqueue(() => this.resyncAll());
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
  }

  /** A core NATS subscription ended with the projection; `handle` gets each message's data. */
  protected subscribe(subject: string, handle: (data: Uint8Array) => void): void {
    this.subscriptions.push(this.nats.subscribe(subject, { callback: (error, message) => !error && handle(message.data) }));
  }

  /**
   * Runs `write` after every write asked before it. A failure is logged and not retried alone: a full
   * resync with backoff covers it and anything else missed.
   */
  protected enqueue(write: () => Promise<void>): Promise<void> {
    const next = this.queue.then(write).catch((error: unknown) => {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        `could not publish ${this.options.what}; resyncing later`,
      );
      this.retryLater();
    });
    this.queue = next;
    return next;
  }

  /** The bucket `name` (history 1, file storage), created on first use. */
  protected bucket(name: string): Promise<KV> {
    let kv = this.buckets.get(name);
    if (!kv) {
      kv = this.nats.jetstream().views.kv(name, { history: 1, storage: StorageType.File });
      // A failed open must not stick: the next use tries again.
      kv.catch(() => this.buckets.delete(name));
      this.buckets.set(name, kv);
    }
    return kv;
  }

  /** Deletes the bucket `name` with every key (gone already is fine); the next `bucket(name)` creates it afresh. */
  protected async removeBucket(name: string): Promise<void> {
    this.buckets.delete(name);
    await destroyBucket(this.nats.jetstream(), name);
  }

  /** Deletes every key of `kv` that `keep` refuses. */
  protected async removeStale(kv: KV, keep: (key: string) => boolean | Promise<boolean>): Promise<void> {
    for (const key of await kvKeys(kv)) if (!(await keep(key))) await kv.delete(key);
  }

  private async resyncAll(): Promise<void> {
    await this.resync();
    this.retryDelay = this.options.retryFirstMs ?? RETRY_FIRST_MS;
  }

  private async resyncOnReconnect(): Promise<void> {
    // The KV writes made while NATS was away failed or never happened: write everything again.
    for await (const status of this.nats.status()) {
      if (this.stopped) return;
      if (status.type === 'reconnect') void this.enqueue(() => this.resyncAll());
    }
  }

  private retryLater(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.retryMaxMs ?? RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopped) void this.enqueue(() => this.resyncAll());
    }, delay);
  }
}
