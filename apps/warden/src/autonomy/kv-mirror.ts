import { JSONCodec, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import { StateCache } from './state-cache';

export interface MirrorLogger {
  warn(message: unknown, ...rest: unknown[]): void;
}

const json = JSONCodec();

/**
 * What the mirror learnt from NATS, in order: a `snapshot` after every full read of the bucket (at
 * start and after each reconnect), then each `put`/`delete` its watch sees. Disk loads are not fed:
 * only the bucket itself says what is desired now.
 */
export type MirrorChange<T> =
  | { kind: 'snapshot'; entries: ReadonlyMap<string, T>; revision: number }
  | { kind: 'put'; key: string; value: T; revision: number }
  | { kind: 'delete'; key: string; revision: number };

export type MirrorListener<T> = (change: MirrorChange<T>) => void;

/**
 * A KV bucket of the control plane held in memory and on disk: what Warden answers from. It starts
 * from the disk copy, replaces it with a full read of the bucket whenever it (re)connects, then
 * follows changes; with NATS away it keeps the last state it had.
 */
export class KvMirror<T> {
  private entries = new Map<string, T>();
  private readonly listeners = new Set<MirrorListener<T>>();
  private revision = 0;
  private watch: QueuedIterator<KvEntry> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private syncs = 0;
  private persisting: Promise<void> | undefined;
  private persistQueued = false;

  constructor(
    private readonly bucket: string,
    private readonly cache: StateCache,
    private readonly logger: MirrorLogger,
  ) {}

  /** The state the disk cache holds, before NATS is reached. */
  async load(): Promise<void> {
    const saved = await this.cache.read<Record<string, T>>(this.bucket);
    if (saved) this.entries = new Map(Object.entries(saved));
  }

  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  values(): T[] {
    return [...this.entries.values()];
  }

  /** Every key with its value, as last seen. */
  snapshot(): ReadonlyMap<string, T> {
    return this.entries;
  }

  /**
   * Feeds `listener` every change from now on, starting with a snapshot of the bucket as last read
   * when one was read already. Listeners are called synchronously and must not throw; returns the
   * unsubscribe function.
   */
  subscribe(listener: MirrorListener<T>): () => void {
    this.listeners.add(listener);
    if (this.syncs > 0) listener({ kind: 'snapshot', entries: new Map(this.entries), revision: this.revision });
    return () => this.listeners.delete(listener);
  }

  /** Completed full reads of the bucket (tests wait on it). */
  get completedSyncs(): number {
    return this.syncs;
  }

  /** Follows the bucket on `nats` until stopped; a broken watch (reconnect) starts over with a full read. */
  follow(nats: NatsConnection): void {
    this.running ??= this.loop(nats);
  }

  /** Ends the current watch: the loop reads the whole bucket again (after a NATS reconnect). */
  resync(): void {
    this.watch?.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watch?.stop();
    await this.running;
    await this.persisting;
  }

  /**
   * One watch per connection: it first delivers the last value of every key (one ordered consumer
   * streaming the bucket, rather than a request per key), which becomes the snapshot once the watch
   * says it has sent them all, then every change after.
   */
  private async loop(nats: NatsConnection): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        // Bind only: the bucket belongs to its writer (identity, tenancy), which creates it with its own settings.
        const kv = await nats.jetstream().views.kv(this.bucket, { bindOnly: true });
        // The sequence before reading: the snapshot's revision when the bucket holds no key.
        const before = Number((await kv.status()).streamInfo.state.last_seq);
        if (this.stopped) break;
        const initial = new Map<string, T>();
        let reading = true;
        let revision = before;
        this.watch = await kv.watch({
          // Called in order, after the last value of the last key was handed out (at once for an empty bucket).
          initializedFn: () => {
            reading = false;
            failures = 0;
            this.snapshotRead(initial, revision);
          },
        });
        // stop() may have come while the watch was being created: it could not end a watch it did not see yet.
        if (this.stopped) this.watch.stop();
        for await (const entry of this.watch) {
          if (this.stopped) break;
          if (reading) {
            revision = Math.max(revision, entry.revision);
            if (entry.operation === 'PUT') initial.set(entry.key, json.decode(entry.value) as T);
            else initial.delete(entry.key);
            continue;
          }
          this.revision = Math.max(this.revision, entry.revision);
          if (entry.operation === 'PUT') {
            const value = json.decode(entry.value) as T;
            this.entries.set(entry.key, value);
            this.emit({ kind: 'put', key: entry.key, value, revision: entry.revision });
          } else {
            this.entries.delete(entry.key);
            this.emit({ kind: 'delete', key: entry.key, revision: entry.revision });
          }
          this.persistSoon();
        }
      } catch (error: unknown) {
        failures += 1;
        this.logger.warn(
          { bucket: this.bucket, err: error instanceof Error ? error.message : String(error) },
          'bucket mirror interrupted; answering from the cache',
        );
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** Math.min(failures, 5))));
    }
  }

  private snapshotRead(entries: Map<string, T>, revision: number): void {
    if (this.stopped) return;
    this.entries = entries;
    this.revision = revision;
    this.syncs += 1;
    this.emit({ kind: 'snapshot', entries: new Map(entries), revision });
    this.persistSoon();
  }

  private emit(change: MirrorChange<T>): void {
    for (const listener of this.listeners) listener(change);
  }

  /**
   * Writes the entries to disk once the write under way (if any) is done: a burst of changes costs one
   * write after the first rather than one whole-bucket write per change (10,000 keys changed one by
   * one would otherwise rewrite the file 10,000 times).
   */
  private persistSoon(): void {
    if (this.persistQueued) return;
    this.persistQueued = true;
    this.persisting = (this.persisting ?? Promise.resolve()).then(async () => {
      // Let the changes that arrive in the same turn join this write.
      await new Promise((resolve) => setImmediate(resolve));
      this.persistQueued = false;
      await this.cache
        .write(this.bucket, Object.fromEntries(this.entries))
        .catch((error: unknown) =>
          this.logger.warn(
            { bucket: this.bucket, err: error instanceof Error ? error.message : String(error) },
            'could not write the bucket copy to disk',
          ),
        );
    });
  }
}
