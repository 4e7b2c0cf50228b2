import { ErrorCode, JetStreamClient, JSONCodec, KV, KvEntry, NatsError, QueuedIterator, StorageType } from 'nats';
import { CubeError } from '@cube/contracts';

export const desiredStateBucket = (clusterId: string) => `cube-desired-${clusterId}`;

// JetStream API error: "stream not found".
const STREAM_NOT_FOUND = 10059;

/**
 * Deletes the KV bucket `name` (the stream `KV_<name>`, every key and revision with it); a bucket
 * that is already gone is no error, so a redelivered deletion converges.
 */
export async function destroyBucket(js: JetStreamClient, name: string): Promise<boolean> {
  const manager = await js.jetstreamManager();
  try {
    return await manager.streams.delete(`KV_${name}`);
  } catch (error: unknown) {
    if (error instanceof NatsError && error.api_error?.err_code === STREAM_NOT_FOUND) return false;
    throw error;
  }
}

/** One change of desired state as Warden sees it; `value` is null for a deleted key. */
export interface DesiredStateChange<TValue> {
  key: string;
  value: TValue | null;
  revision: number;
  operation: 'PUT' | 'DEL' | 'PURGE';
}

/** A running watch: iterate it (once) for changes, `stop()` it to end the iteration. */
export interface DesiredStateWatch<TValue> extends AsyncIterableIterator<DesiredStateChange<TValue>> {
  stop(): void;
}

export interface DesiredStateStoreOptions {
  /** Revisions kept per key: enough to see what was applied before, small enough to stay cheap. */
  history?: number;
  replicas?: number;
  /** How long a write waits for the bucket to have a leader again (see `NO_LEADER_WAIT_MS`). */
  noLeaderWaitMs?: number;
}

/**
 * A replicated bucket has no leader for a moment while a NATS node dies or rejoins: JetStream then
 * answers a write with "no responders" (503), which means nothing was stored. The write is tried again
 * (backing off from 100 ms to 1 s) for this long before it is UNAVAILABLE; other errors are not retried.
 */
export const NO_LEADER_WAIT_MS = 5000;

// JetStream API error: "wrong last sequence", the optimistic concurrency check failed.
const WRONG_LAST_SEQUENCE = 10071;
const json = JSONCodec();

/**
 * The desired state of one member cluster in the KV bucket `cube-desired-<clusterId>` (ARCHITECTURE.md):
 * tenancy and identity write it, Warden watches it and applies it. Keys follow NATS subject rules, so
 * `.` separates levels (`namespace.acme.team-a`) and `*`/`>` are not allowed in a key.
 */
export class DesiredStateStore<TValue = unknown> {
  private constructor(
    readonly clusterId: string,
    private readonly kv: KV,
    private readonly noLeaderWaitMs: number,
  ) {}

  /** Creates the bucket on first use (file storage, 5 revisions per key), binds to it afterwards. */
  static async open<TValue = unknown>(
    js: JetStreamClient,
    clusterId: string,
    options: DesiredStateStoreOptions = {},
  ): Promise<DesiredStateStore<TValue>> {
    if (!/^[A-Za-z0-9_-]+$/.test(clusterId)) {
      throw new CubeError('BAD_REQUEST', `cluster id "${clusterId}" cannot name a desired state bucket`, { clusterId });
    }
    const kv = await js.views
      .kv(desiredStateBucket(clusterId), {
        history: options.history ?? 5,
        storage: StorageType.File,
        replicas: options.replicas ?? 1,
      })
      .catch((error: unknown) => {
        throw unavailable(`could not open the desired state of cluster ${clusterId}`, error, clusterId);
      });
    return new DesiredStateStore<TValue>(clusterId, kv, options.noLeaderWaitMs ?? NO_LEADER_WAIT_MS);
  }

  /**
   * Writes `value` and returns its revision. With `expectedRevision` the write happens only if the key
   * is still at that revision (0: the key must not exist), else CONFLICT: two writers never silently
   * overwrite each other.
   */
  async put(key: string, value: TValue, expectedRevision?: number): Promise<number> {
    const data = json.encode(value);
    try {
      return await this.whileNoLeader(() => {
        if (expectedRevision === undefined) return this.kv.put(key, data);
        if (expectedRevision === 0) return this.kv.create(key, data);
        return this.kv.update(key, data, expectedRevision);
      }, expectedRevision === undefined);
    } catch (error: unknown) {
      throw this.failure(error, key, expectedRevision);
    }
  }

  async get(key: string): Promise<{ value: TValue; revision: number } | null> {
    const entry = await this.kv.get(key).catch((error: unknown) => {
      throw unavailable(`could not read desired state ${key} of cluster ${this.clusterId}`, error, this.clusterId);
    });
    if (!entry || entry.operation !== 'PUT') return null;
    return { value: entry.json<TValue>(), revision: entry.revision };
  }

  /** Every key that currently holds a value (deleted keys excluded): what a full resync applies. */
  async keys(): Promise<string[]> {
    try {
      const keys: string[] = [];
      for await (const key of await this.kv.keys()) keys.push(key);
      return keys;
    } catch (error: unknown) {
      throw unavailable(`could not list the desired state of cluster ${this.clusterId}`, error, this.clusterId);
    }
  }

  /** Deletes the key (a tombstone Warden sees as a DEL change); `expectedRevision` as for `put`. */
  async delete(key: string, expectedRevision?: number): Promise<void> {
    try {
      await this.whileNoLeader(() => this.kv.delete(key, expectedRevision === undefined ? undefined : { previousSeq: expectedRevision }));
    } catch (error: unknown) {
      throw this.failure(error, key, expectedRevision);
    }
  }

  /**
   * Without `fromRevision`: the current value of every key, then every change as it happens, which is
   * what an agent needs to converge after a start. With `fromRevision`: every change from that revision
   * on, for an agent resuming after the last revision it applied.
   */
  async watch(fromRevision?: number): Promise<DesiredStateWatch<TValue>> {
    const entries: QueuedIterator<KvEntry> = await this.kv
      .watch(fromRevision === undefined ? {} : { resumeFromRevision: fromRevision })
      .catch((error: unknown) => {
        throw unavailable(`could not watch the desired state of cluster ${this.clusterId}`, error, this.clusterId);
      });
    async function* changes(): AsyncGenerator<DesiredStateChange<TValue>> {
      try {
        for await (const entry of entries) {
          yield {
            key: entry.key,
            value: entry.operation === 'PUT' ? entry.json<TValue>() : null,
            revision: entry.revision,
            operation: entry.operation,
          };
        }
      } finally {
        // A `break` out of the caller's loop ends here: release the server-side watch too.
        entries.stop();
      }
    }
    return Object.assign(changes(), { stop: () => entries.stop() });
  }

  /**
   * Runs a write, again while JetStream says no one leads the bucket (nothing was stored), up to the
   * wait. `idempotent` writes (a plain put of the same value) are also retried after a timeout, which
   * is what a write sent while a new leader is being elected gets: a timed-out conditional write may
   * have been stored, so retrying it could report a CONFLICT with itself.
   */
  private async whileNoLeader<T>(write: () => Promise<T>, idempotent = false): Promise<T> {
    const deadline = Date.now() + this.noLeaderWaitMs;
    for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 1000)) {
      try {
        return await write();
      } catch (error: unknown) {
        const noLeader = error instanceof NatsError && error.code === ErrorCode.NoResponders;
        const electing = idempotent && error instanceof NatsError && error.code === ErrorCode.Timeout;
        if (!(noLeader || electing) || Date.now() + delayMs > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  private failure(error: unknown, key: string, expectedRevision: number | undefined): CubeError {
    if (error instanceof NatsError && error.api_error?.err_code === WRONG_LAST_SEQUENCE) {
      return new CubeError('CONFLICT', `desired state ${key} of cluster ${this.clusterId} is no longer at revision ${expectedRevision}`, {
        clusterId: this.clusterId,
        key,
        expectedRevision,
      });
    }
    return unavailable(`could not write desired state ${key} of cluster ${this.clusterId}`, error, this.clusterId);
  }
}

function unavailable(what: string, error: unknown, clusterId: string): CubeError {
  const reason = error instanceof Error ? error.message : String(error);
  return new CubeError('UNAVAILABLE', `${what}: ${reason}`, { clusterId });
}
