// In-memory stand-in for etcd: objects per resource keyed like etcd keys, one cluster-wide
// resourceVersion counter, and a window of past events that watches and paginated lists read from
// (as kube-apiserver's watch cache does; older versions answer 410 Expired).
import { clone, KubeObject } from './types';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  /** group/plural of the object, see resourceKey(). */
  resource: string;
  object: KubeObject;
  /** The object before this change (absent for ADDED). */
  previous?: KubeObject;
  resourceVersion: number;
}

export interface StoreSnapshot {
  resourceVersion: number;
  objects: Record<string, KubeObject[]>;
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class ObjectStore {
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  private rv: number;
  /** Oldest resourceVersion still answerable from history (the "(270)" of "too old resource version"). */
  private oldest: number;

  constructor(
    private readonly historyLimit = 2000,
    snapshot?: StoreSnapshot,
  ) {
    this.rv = snapshot?.resourceVersion ?? 1;
    if (snapshot) {
      for (const [resource, objects] of Object.entries(snapshot.objects)) {
        const m = this.bucket(resource);
        for (const o of objects) m.set(objectKey(o.metadata.namespace, o.metadata.name ?? ''), o);
      }
    }
    this.oldest = this.rv;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  get oldestResourceVersion(): number {
    return this.oldest;
  }

  /** Reserves the next resourceVersion (each write gets its own, as etcd revisions do). */
  nextResourceVersion(): number {
    return ++this.rv;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.data.get(resource)?.get(objectKey(namespace, name));
    return o && clone(o);
  }

  /** Objects in etcd key order (namespace, then name). */
  list(resource: string, namespace?: string): KubeObject[] {
    const m = this.data.get(resource);
    if (!m) return [];
    // A namespace's keys start with `<namespace>/`: only those are sorted and read (quota admission
    // lists one namespace's quotas on every write; sorting every key of the resource cost more than the write).
    const prefix = namespace === undefined ? undefined : `${namespace}/`;
    const keys: string[] = [];
    for (const k of m.keys()) if (prefix === undefined || k.startsWith(prefix)) keys.push(k);
    keys.sort();
    const out: KubeObject[] = [];
    for (const k of keys) {
      const o = m.get(k) as KubeObject;
      if (namespace === undefined || o.metadata.namespace === namespace) out.push(clone(o));
    }
    return out;
  }

  /**
   * The objects of a resource as they were at resourceVersion `rv`, by undoing later events.
   * Returns undefined when rv is older than the retained history (the caller answers 410).
   */
  listAt(resource: string, rv: number, namespace?: string): KubeObject[] | undefined {
    if (rv < this.oldest) return undefined;
    const m = new Map<string, KubeObject>();
    for (const o of this.list(resource)) m.set(objectKey(o.metadata.namespace, o.metadata.name ?? ''), o);
    for (let i = this.history.length - 1; i >= 0 && this.history[i].resourceVersion > rv; i--) {
      const e = this.history[i];
      if (e.resource !== resource) continue;
      const key = objectKey(e.object.metadata.namespace, e.object.metadata.name ?? '');
      if (e.previous) m.set(key, clone(e.previous));
      else m.delete(key);
    }
    return [...m.keys()]
      .sort()
      .map((k) => m.get(k) as KubeObject)
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace);
  }

  /** Writes an object whose metadata.resourceVersion the caller has already set. */
  put(resource: string, object: KubeObject, type: 'ADDED' | 'MODIFIED'): void {
    const key = objectKey(object.metadata.namespace, object.metadata.name ?? '');
    const m = this.bucket(resource);
    const previous = m.get(key);
    m.set(key, clone(object));
    this.record({
      type,
      resource,
      object: clone(object),
      previous,
      resourceVersion: Number(object.metadata.resourceVersion),
    });
  }

  /** Removes an object; the DELETED event carries it with a fresh resourceVersion, as etcd3's watcher does. */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const m = this.data.get(resource);
    const key = objectKey(namespace, name);
    const previous = m?.get(key);
    if (!m || !previous) return undefined;
    m.delete(key);
    const rv = this.nextResourceVersion();
    const object = clone(previous);
    object.metadata.resourceVersion = String(rv);
    this.record({
      type: 'DELETED',
      resource,
      object,
      previous,
      resourceVersion: rv,
    });
    return clone(object);
  }

  /** Events after resourceVersion `rv`, or undefined if some of them have left the window. */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.oldest) return undefined;
    return this.history.filter((e) => e.resourceVersion > rv).map((e) => ({ ...e, object: clone(e.object) }));
  }

  /** Forgets past events: watches and lists from before now answer 410 Expired. */
  resetHistory(): void {
    this.history.length = 0;
    this.oldest = this.rv;
  }

  subscribe(listener: (e: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dropResource(resource: string): void {
    this.data.delete(resource);
  }

  snapshot(): StoreSnapshot {
    const objects: Record<string, KubeObject[]> = {};
    for (const [resource, m] of this.data) objects[resource] = [...m.values()].map(clone);
    return { resourceVersion: this.rv, objects };
  }

  private bucket(resource: string): Map<string, KubeObject> {
    let m = this.data.get(resource);
    if (!m) this.data.set(resource, (m = new Map()));
    return m;
  }

  private record(e: StoreEvent): void {
    this.history.push(e);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift() as StoreEvent;
      this.oldest = dropped.resourceVersion;
    }
    for (const l of [...this.listeners]) l(e);
  }
}
