import { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { applyObject, deleteObjectIfPresent, describeKubeFailure, KubeFailure, kubeFailureMessage } from '@cube/kube';
import { SyncStatus } from '../agent/sync-status';
import { MirrorChange, MirrorListener } from '../autonomy/kv-mirror';
import {
  applyOrder,
  asManaged,
  isKubernetesObject,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  MANAGED_KINDS,
  ObjectRef,
  refKey,
  refOf,
} from './desired-object';

/** Field manager of what Warden applies (the control plane's own install uses `cube`). */
export const WARDEN_FIELD_MANAGER = 'cube-warden';

export interface ReconcilerLogger {
  log(message: unknown, ...rest: unknown[]): void;
  warn(message: unknown, ...rest: unknown[]): void;
}

/**
 * The desired state as Warden's autonomy mirror holds it (`KvMirror` of `cube-desired-<cluster>`):
 * one reader of the bucket serves both the disk cache and the reconciler (issue #15 item 6).
 */
export interface DesiredStateFeed {
  subscribe(listener: MirrorListener<unknown>): () => void;
  get(key: string): unknown;
}

export interface ReconcilerOptions {
  desired: DesiredStateFeed;
  kubeConfig: KubeConfig;
  sync: SyncStatus;
  logger: ReconcilerLogger;
  /** First retry delay of a failed object; doubles per attempt up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/** `(Reason) message` as kubectl prints a refusal: the API server's words, not client-node's `HTTP-Code: 500`. */
const said = (failure: KubeFailure) => (failure.reason ? `(${failure.reason}) ${failure.message}` : failure.message);

/**
 * Makes the member cluster match the bucket `cube-desired-<clusterId>` as the mirror feeds it: a full
 * resync on every snapshot (apply every desired object, delete objects labelled
 * `cube.io/managed-by=cube` that are not desired), then every change as it comes. Server-side apply
 * makes each step idempotent; a failed object is retried with exponential backoff and reported in the
 * heartbeat until it succeeds; a failed resync (API server away) is retried the same way.
 */
export class DesiredStateReconciler {
  private readonly client: KubernetesObjectApi;
  /** Desired-state key → the object applied for it, to delete it when the key goes. */
  private readonly applied = new Map<string, ObjectRef>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  /** Changes not handled yet; a snapshot replaces whatever queued before it. */
  private pending: MirrorChange<unknown>[] = [];
  private draining: Promise<void> | undefined;
  private resyncRetry: NodeJS.Timeout | undefined;
  private resyncFailures = 0;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private resyncs = 0;

  constructor(private readonly options: ReconcilerOptions) {
    this.client = KubernetesObjectApi.makeApiClient(options.kubeConfig);
  }

  /** How many full resyncs completed (tests wait on it). */
  get completedResyncs(): number {
    return this.resyncs;
  }

  start(): void {
    this.unsubscribe ??= this.options.desired.subscribe((change) => this.enqueue(change));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.pending = [];
    clearTimeout(this.resyncRetry);
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    await this.draining;
  }

  private enqueue(change: MirrorChange<unknown>): void {
    if (this.stopped) return;
    if (change.kind === 'snapshot') {
      clearTimeout(this.resyncRetry);
      this.pending = [change];
    } else this.pending.push(change);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    for (let change = this.pending.shift(); change && !this.stopped; change = this.pending.shift()) {
      try {
        if (change.kind === 'snapshot') await this.resync(change.entries, change.revision);
        else await this.handle(change);
      } catch (error: unknown) {
        // Only a resync throws (its prune lists the cluster): try the snapshot again, unless a newer one came.
        const snapshot = change;
        this.resyncFailures += 1;
        this.options.logger.warn(
          { err: kubeFailureMessage(error), attempts: this.resyncFailures },
          'desired state resync failed; retrying',
        );
        this.resyncRetry = setTimeout(() => this.enqueue(snapshot), this.backoff(this.resyncFailures));
      }
    }
  }

  /** Applies everything desired and removes managed objects that are not. */
  private async resync(entries: ReadonlyMap<string, unknown>, revision: number): Promise<void> {
    const desired = [...entries].map(([key, value]) => ({ key, value }));
    desired.sort((a, b) => applyOrder(a.value as KubernetesObject) - applyOrder(b.value as KubernetesObject));
    for (const entry of desired) await this.apply(entry.key, entry.value);
    const refs = desired
      .map((entry) => (isKubernetesObject(entry.value) ? refOf(entry.value) : null))
      .filter((ref): ref is ObjectRef => ref !== null);
    await this.prune(new Set(refs.map(refKey)), refs);
    this.resyncFailures = 0;
    this.options.sync.appliedRevision = Math.max(this.options.sync.appliedRevision, revision);
    this.resyncs += 1;
    this.options.logger.log({ objects: desired.length, revision }, 'desired state resynced');
  }

  private async handle(change: Exclude<MirrorChange<unknown>, { kind: 'snapshot' }>): Promise<void> {
    if (change.kind === 'put') await this.apply(change.key, change.value);
    else await this.remove(change.key);
    this.options.sync.appliedRevision = change.revision;
  }

  private async apply(key: string, value: unknown): Promise<void> {
    if (!isKubernetesObject(value)) {
      this.options.sync.failed(key, 'the desired value is not a Kubernetes object (apiVersion, kind, metadata.name)');
      return;
    }
    const ref = refOf(value);
    const previous = this.applied.get(key);
    try {
      await applyObject(this.client, asManaged(value), WARDEN_FIELD_MANAGER);
      if (previous && ref && refKey(previous) !== refKey(ref)) await deleteObjectIfPresent(this.client, toObject(previous));
      if (ref) this.applied.set(key, ref);
      this.options.sync.applied(key, value);
      this.succeeded(key);
    } catch (error: unknown) {
      const failure = describeKubeFailure(error);
      this.failed(
        key,
        `apply ${value.kind} ${value.metadata?.namespace ? `${value.metadata.namespace}/` : ''}${value.metadata?.name ?? ''}: ${said(failure)}`,
        failure,
      );
    }
  }

  private async remove(key: string): Promise<void> {
    const ref = this.applied.get(key);
    if (!ref) {
      // Applied before a restart: the resync's prune removes it.
      this.succeeded(key);
      return;
    }
    try {
      await deleteObjectIfPresent(this.client, toObject(ref));
      this.applied.delete(key);
      this.options.sync.removed(key);
      this.succeeded(key);
    } catch (error: unknown) {
      const failure = describeKubeFailure(error);
      this.failed(key, `delete ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}: ${said(failure)}`, failure);
    }
  }

  private async prune(wanted: Set<string>, desired: ObjectRef[]): Promise<void> {
    // Besides the usual kinds, every other kind still desired (a custom bundle's): its stale objects go too.
    const kinds = [...MANAGED_KINDS];
    for (const ref of desired)
      if (!kinds.some((known) => known.kind === ref.kind && known.apiVersion === ref.apiVersion))
        kinds.push({ apiVersion: ref.apiVersion, kind: ref.kind, namespaced: Boolean(ref.namespace) });
    for (const managed of kinds.reverse()) {
      const list = await this.client.list(
        managed.apiVersion,
        managed.kind,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
      );
      for (const item of list.items) {
        const ref = refOf({ ...item, apiVersion: managed.apiVersion, kind: managed.kind });
        if (!ref || wanted.has(refKey(ref))) continue;
        try {
          await deleteObjectIfPresent(this.client, toObject(ref));
          this.options.logger.log({ kind: ref.kind, namespace: ref.namespace, name: ref.name }, 'removed an object no longer desired');
        } catch (error: unknown) {
          const failure = describeKubeFailure(error);
          this.options.sync.failed(
            `prune:${refKey(ref)}`,
            `delete ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}: ${said(failure)}`,
            failure,
          );
        }
      }
    }
  }

  private succeeded(key: string): void {
    this.options.sync.succeeded(key);
    clearTimeout(this.retries.get(key));
    this.retries.delete(key);
  }

  private failed(key: string, reason: string, answer: { reason?: string; status?: number } = {}): void {
    this.options.sync.failed(key, reason, answer);
    const attempts = this.options.sync.current().find((error) => error.key === key)?.attempts ?? 1;
    this.options.logger.warn({ key, attempts, err: reason, ...answer }, 'could not sync a desired object; will retry');
    clearTimeout(this.retries.get(key));
    if (this.stopped) return;
    this.retries.set(
      key,
      setTimeout(() => void this.retry(key), this.backoff(attempts)),
    );
  }

  /** Retries with what is desired now, which may have changed or gone since the failure. */
  private async retry(key: string): Promise<void> {
    this.retries.delete(key);
    if (this.stopped) return;
    const value = this.options.desired.get(key);
    if (value !== undefined) await this.apply(key, value);
    else await this.remove(key);
  }

  private backoff(attempts: number): number {
    const initial = this.options.initialBackoffMs ?? 1000;
    return Math.min(this.options.maxBackoffMs ?? 60_000, initial * 2 ** Math.max(0, attempts - 1));
  }
}

function toObject(ref: ObjectRef): KubernetesObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
}
