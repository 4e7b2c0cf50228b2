import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { deleteObjectIfPresent, describeKubeFailure, KubeFailure, kubeFailureMessage, PooledKubeConfig, RawObjectApi } from '@cube/kube';
import { SyncStatus } from '../agent/sync-status';
import { MirrorChange, MirrorListener } from '../autonomy/kv-mirror';
import {
  applyOrder,
  asManaged,
  holds,
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

/** Applies and deletes in flight at once unless configured (`CUBE_WARDEN_APPLY_CONCURRENCY`). */
export const DEFAULT_APPLY_CONCURRENCY = 16;

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
  /** Applies and deletes sent to the API server at once (default 16). */
  concurrency?: number;
}

/** What is to be done for one key: the latest change wins over any not started yet. */
type Work = { op: 'put'; value: unknown } | { op: 'delete' };

/** `(Reason) message` as kubectl prints a refusal: the API server's words, not client-node's `HTTP-Code: 500`. */
const said = (failure: KubeFailure) => (failure.reason ? `(${failure.reason}) ${failure.message}` : failure.message);

/** Tier of the deletes: after every apply queued with them. */
const DELETE_TIER = MANAGED_KINDS.length + 1;
const CUSTOM_TIER = MANAGED_KINDS.length;

/**
 * Makes the member cluster match the bucket `cube-desired-<clusterId>` as the mirror feeds it: a full
 * resync on every snapshot (apply every desired object that the cluster does not hold as last applied,
 * delete objects labelled `cube.io/managed-by=cube` that are not desired), then every change as it
 * comes.
 *
 * Work is per key: up to `concurrency` applies or deletes run at once, never two for one key; a change
 * to a key whose apply is under way waits for it (order per key is kept), and changes to a key that
 * wait are coalesced (the latest wins). Namespaces go before the objects in them and
 * CustomResourceDefinitions before objects of kinds not known here: an object waits while the
 * Namespace it lives in (or a CRD) is queued or being applied. Server-side apply makes each step
 * idempotent; a failed object is retried with exponential backoff and reported in the heartbeat until
 * it succeeds; a failed resync (API server away) is retried the same way.
 */
export class DesiredStateReconciler {
  private readonly client: RawObjectApi;
  private readonly kubeConfig: PooledKubeConfig;
  private readonly concurrency: number;
  /** Desired-state key → the object applied for it, to delete it when the key goes. */
  private readonly applied = new Map<string, ObjectRef>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  /** What the bucket holds now, as the changes told (a snapshot replaces it). */
  private desiredNow = new Map<string, unknown>();
  /** Work not started, per key (coalesced: the latest change wins). */
  private readonly queued = new Map<string, Work>();
  /** Keys ready to start, per tier (apply order), oldest first. */
  private readonly ready: Set<string>[] = Array.from({ length: DELETE_TIER + 1 }, () => new Set<string>());
  /** Keys being applied or deleted, with the work under way. */
  private readonly running = new Map<string, Work>();
  /** Namespace name → keys of that Namespace queued or running; objects in it wait meanwhile. */
  private readonly namespacesPending = new Map<string, Set<string>>();
  /** Keys of CustomResourceDefinitions queued or running; objects of unknown kinds wait meanwhile. */
  private readonly crdsPending = new Set<string>();
  /** Keys waiting for a namespace (by name) or for the CRDs (under ''). */
  private readonly waiting = new Map<string, Set<string>>();
  /** Which pending namespace (or '' for CRDs) each key counts in, to undo it. */
  private readonly pendingAs = new Map<string, { namespace?: string; crd?: true }>();
  private idleWaiters: (() => void)[] = [];
  private snapshot: { revision: number } | undefined;
  private resyncing: Promise<void> | undefined;
  private resyncRetry: NodeJS.Timeout | undefined;
  private resyncFailures = 0;
  private lastRevision = 0;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private resyncs = 0;

  constructor(private readonly options: ReconcilerOptions) {
    this.kubeConfig = PooledKubeConfig.from(options.kubeConfig, Math.max(options.concurrency ?? DEFAULT_APPLY_CONCURRENCY, 4));
    this.client = RawObjectApi.forConfig(this.kubeConfig);
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_APPLY_CONCURRENCY);
  }

  /** How many full resyncs completed (tests wait on it). */
  get completedResyncs(): number {
    return this.resyncs;
  }

  start(): void {
    this.unsubscribe ??= this.options.desired.subscribe((change) => this.onChange(change));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.resyncRetry);
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    this.queued.clear();
    for (const tier of this.ready) tier.clear();
    this.waiting.clear();
    await this.resyncing;
    await this.idle();
    this.kubeConfig.destroy();
  }

  /** Resolves when nothing is queued, waiting or being applied (retries after a backoff do not count). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.queued.size === 0 && this.running.size === 0;
  }

  private onChange(change: MirrorChange<unknown>): void {
    if (this.stopped) return;
    this.lastRevision = Math.max(this.lastRevision, change.revision);
    if (change.kind === 'snapshot') {
      this.desiredNow = new Map(change.entries);
      // Work queued before the snapshot may carry older values: what the snapshot holds replaces it.
      for (const key of [...this.queued.keys()]) {
        const value = this.desiredNow.get(key);
        this.queued.set(key, value !== undefined ? { op: 'put', value } : { op: 'delete' });
        this.track(key);
      }
      this.requestResync(change.revision);
      return;
    }
    if (change.kind === 'put') {
      this.desiredNow.set(change.key, change.value);
      this.enqueue(change.key, { op: 'put', value: change.value });
    } else {
      this.desiredNow.delete(change.key);
      this.enqueue(change.key, { op: 'delete' });
    }
  }

  /** A resync runs once at a time; a snapshot arriving meanwhile makes it run again afterwards. */
  private requestResync(revision: number): void {
    clearTimeout(this.resyncRetry);
    this.snapshot = { revision };
    this.resyncing ??= this.resyncLoop().finally(() => (this.resyncing = undefined));
  }

  private async resyncLoop(): Promise<void> {
    for (let next = this.snapshot; next && !this.stopped; next = this.snapshot) {
      this.snapshot = undefined;
      try {
        await this.resync(next.revision);
      } catch (error: unknown) {
        // Only listing the cluster throws: try again later, unless a newer snapshot came meanwhile.
        this.resyncFailures += 1;
        this.options.logger.warn(
          { err: kubeFailureMessage(error), attempts: this.resyncFailures },
          'desired state resync failed; retrying',
        );
        if (!this.snapshot && !this.stopped)
          this.resyncRetry = setTimeout(() => this.requestResync(next.revision), this.backoff(this.resyncFailures));
      }
    }
  }

  /**
   * Applies what the cluster does not hold as desired and removes managed objects that are not
   * desired. An object is left alone when its key's value is what was last applied and the live
   * object still holds every field of it: a resync with nothing changed sends no write.
   */
  private async resync(revision: number): Promise<void> {
    const live = await this.listManaged();
    let writes = 0;
    for (const [key, value] of this.desiredNow) {
      if (!isKubernetesObject(value)) {
        this.options.sync.failed(key, 'the desired value is not a Kubernetes object (apiVersion, kind, metadata.name)');
        continue;
      }
      const ref = refOf(value);
      const current = ref ? live.get(refKey(ref)) : undefined;
      const appliedRef = this.applied.get(key);
      const unchanged =
        this.options.sync.isApplied(key, value) &&
        !this.options.sync.error(key) &&
        appliedRef !== undefined &&
        ref !== null &&
        refKey(appliedRef) === refKey(ref) &&
        current !== undefined &&
        holds(current, asManaged(value));
      if (unchanged || this.queued.has(key)) continue;
      this.enqueue(key, { op: 'put', value });
      writes += 1;
    }
    for (const key of this.applied.keys()) if (!this.desiredNow.has(key) && !this.queued.has(key)) this.enqueue(key, { op: 'delete' });
    await this.idle();
    if (this.stopped) return;
    // What is desired once the applies are done (changes may have come meanwhile).
    const wanted = new Set<string>();
    for (const value of this.desiredNow.values()) {
      const ref = isKubernetesObject(value) ? refOf(value) : null;
      if (ref) wanted.add(refKey(ref));
    }
    const stale = [...live.entries()].filter(([key]) => !wanted.has(key)).map(([, object]) => object);
    await this.prune(stale);
    this.resyncFailures = 0;
    this.options.sync.appliedRevision = Math.max(this.options.sync.appliedRevision, revision);
    this.resyncs += 1;
    this.options.logger.log({ objects: this.desiredNow.size, applied: writes, pruned: stale.length, revision }, 'desired state resynced');
  }

  /** Every object labelled as Cube's, of the managed kinds and of every other kind still desired, by refKey. */
  private async listManaged(): Promise<Map<string, KubernetesObject>> {
    const kinds = [...MANAGED_KINDS];
    for (const value of this.desiredNow.values()) {
      const ref = isKubernetesObject(value) ? refOf(value) : null;
      if (ref && !kinds.some((known) => known.kind === ref.kind && known.apiVersion === ref.apiVersion))
        kinds.push({ apiVersion: ref.apiVersion, kind: ref.kind, namespaced: Boolean(ref.namespace) });
    }
    const live = new Map<string, KubernetesObject>();
    const lists = await Promise.all(
      kinds.map((managed) => this.client.listRaw(managed.apiVersion, managed.kind, `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`)),
    );
    for (const items of lists)
      for (const item of items) {
        const ref = refOf(item);
        if (ref) live.set(refKey(ref), item);
      }
    return live;
  }

  /** Deletes managed objects no longer desired, namespaced ones first, `concurrency` at a time. */
  private async prune(stale: KubernetesObject[]): Promise<void> {
    stale.sort((a, b) => applyOrder(b) - applyOrder(a));
    let next = 0;
    const worker = async () => {
      for (let object = stale[next++]; object && !this.stopped; object = stale[next++]) {
        const ref = refOf(object) as ObjectRef;
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
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, stale.length) }, worker));
  }

  /** Queues `work` for `key`, replacing work queued before it (not the one under way). */
  private enqueue(key: string, work: Work): void {
    if (this.stopped) return;
    const wasQueued = this.queued.has(key);
    this.queued.set(key, work);
    this.track(key);
    if (!wasQueued && !this.running.has(key)) this.ready[tierOf(work)].add(key);
    this.pump();
  }

  /** Starts queued work while fewer than `concurrency` run. */
  private pump(): void {
    while (this.running.size < this.concurrency && !this.stopped) {
      const key = this.nextReady();
      if (key === undefined) break;
      const work = this.queued.get(key);
      if (!work) continue;
      const blocker = this.blockerOf(key, work);
      if (blocker !== undefined) {
        let keys = this.waiting.get(blocker);
        if (!keys) this.waiting.set(blocker, (keys = new Set()));
        keys.add(key);
        continue;
      }
      this.queued.delete(key);
      this.running.set(key, work);
      void this.run(key, work).finally(() => this.finished(key));
    }
    if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private nextReady(): string | undefined {
    for (const tier of this.ready) {
      const first = tier.values().next();
      if (!first.done) {
        tier.delete(first.value);
        return first.value;
      }
    }
    return undefined;
  }

  /** What `key` must wait for: its namespace's name while that Namespace is pending, '' while CRDs are. */
  private blockerOf(key: string, work: Work): string | undefined {
    if (work.op !== 'put' || !isKubernetesObject(work.value)) return undefined;
    const namespace = work.value.metadata?.namespace;
    if (namespace && this.namespacesPending.has(namespace)) return namespace;
    if (applyOrder(work.value) === CUSTOM_TIER && this.crdsPending.size > 0 && !this.crdsPending.has(key)) return '';
    return undefined;
  }

  private finished(key: string): void {
    this.running.delete(key);
    this.track(key);
    if (this.queued.has(key)) this.ready[tierOf(this.queued.get(key) as Work)].add(key);
    this.pump();
  }

  /** Counts `key` among the pending Namespaces or CRDs while its queued or running work applies one. */
  private track(key: string): void {
    const before = this.pendingAs.get(key);
    const works = [this.queued.get(key), this.running.get(key)];
    let namespace: string | undefined;
    let crd = false;
    for (const work of works) {
      if (work?.op !== 'put' || !isKubernetesObject(work.value)) continue;
      if (work.value.kind === 'Namespace' && work.value.apiVersion === 'v1') namespace = work.value.metadata?.name;
      if (work.value.kind === 'CustomResourceDefinition') crd = true;
    }
    if (before?.namespace !== undefined && before.namespace !== namespace) {
      const keys = this.namespacesPending.get(before.namespace);
      keys?.delete(key);
      if (keys?.size === 0) {
        this.namespacesPending.delete(before.namespace);
        this.release(before.namespace);
      }
    }
    if (before?.crd && !crd) {
      this.crdsPending.delete(key);
      if (this.crdsPending.size === 0) this.release('');
    }
    if (namespace !== undefined) {
      let keys = this.namespacesPending.get(namespace);
      if (!keys) this.namespacesPending.set(namespace, (keys = new Set()));
      keys.add(key);
    }
    if (crd) this.crdsPending.add(key);
    if (namespace !== undefined || crd)
      this.pendingAs.set(key, { ...(namespace !== undefined ? { namespace } : {}), ...(crd ? { crd } : {}) });
    else this.pendingAs.delete(key);
  }

  /** Puts the keys that waited for `blocker` back among the ready ones. */
  private release(blocker: string): void {
    const keys = this.waiting.get(blocker);
    if (!keys) return;
    this.waiting.delete(blocker);
    for (const key of keys) {
      const work = this.queued.get(key);
      if (work && !this.running.has(key)) this.ready[tierOf(work)].add(key);
    }
  }

  private async run(key: string, work: Work): Promise<void> {
    if (work.op === 'put') await this.apply(key, work.value);
    else await this.remove(key);
    if (this.isIdleAfter(key) && !this.resyncing)
      this.options.sync.appliedRevision = Math.max(this.options.sync.appliedRevision, this.lastRevision);
  }

  /** Whether nothing but `key` (finishing now) is queued or running. */
  private isIdleAfter(key: string): boolean {
    return this.queued.size === 0 && this.running.size === 1 && this.running.has(key);
  }

  private async apply(key: string, value: unknown): Promise<void> {
    if (!isKubernetesObject(value)) {
      this.options.sync.failed(key, 'the desired value is not a Kubernetes object (apiVersion, kind, metadata.name)');
      return;
    }
    const ref = refOf(value);
    const previous = this.applied.get(key);
    try {
      await this.client.applyRaw(asManaged(value), WARDEN_FIELD_MANAGER);
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
      this.options.sync.removed(key);
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

  private succeeded(key: string): void {
    this.options.sync.succeeded(key);
    clearTimeout(this.retries.get(key));
    this.retries.delete(key);
  }

  private failed(key: string, reason: string, answer: { reason?: string; status?: number } = {}): void {
    this.options.sync.failed(key, reason, answer);
    const attempts = this.options.sync.error(key)?.attempts ?? 1;
    this.options.logger.warn({ key, attempts, err: reason, ...answer }, 'could not sync a desired object; will retry');
    clearTimeout(this.retries.get(key));
    if (this.stopped) return;
    this.retries.set(
      key,
      setTimeout(() => this.retry(key), this.backoff(attempts)),
    );
  }

  /** Retries with what is desired now, which may have changed or gone since the failure. */
  private retry(key: string): void {
    this.retries.delete(key);
    if (this.stopped || this.queued.has(key)) return;
    const value = this.desiredNow.get(key);
    this.enqueue(key, value !== undefined ? { op: 'put', value } : { op: 'delete' });
  }

  private backoff(attempts: number): number {
    const initial = this.options.initialBackoffMs ?? 1000;
    return Math.min(this.options.maxBackoffMs ?? 60_000, initial * 2 ** Math.max(0, attempts - 1));
  }
}

function tierOf(work: Work): number {
  if (work.op === 'delete' || !isKubernetesObject(work.value)) return DELETE_TIER;
  return applyOrder(work.value);
}

function toObject(ref: ObjectRef): KubernetesObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
}
