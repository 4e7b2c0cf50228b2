// ?watch=1 streams, as kube-apiserver's watch cache serves them: JSON lines of {type, object};
// initial ADDED events when no resourceVersion is given; replay from a resourceVersion while it is
// in the window, else one ERROR event with 410 Expired; selector transitions become ADDED/DELETED;
// BOOKMARKs when allowed; the stream ends at timeoutSeconds.
import { ServerResponse } from 'node:http';
import { ObjectApi } from './object-api';
import { groupVersionString, resourceKey, ResourceType } from './resources';
import { FieldRequirement, LabelRequirement, matchesFields, matchesLabels } from './selectors';
import { failure } from './status';
import { StoreEvent } from './store';
import { IncludeObject, renderTable } from './table';
import { KubeObject } from './types';

export interface WatchRequest {
  type: ResourceType;
  namespace?: string;
  labelSelector?: LabelRequirement[];
  fieldSelector?: FieldRequirement[];
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowBookmarks: boolean;
  sendInitialEvents?: boolean;
  table?: { includeObject: IncludeObject };
  /** How often bookmarks are sent (the real watch cache: about a minute). */
  bookmarkIntervalMs: number;
}

/** How long a watch from a future resourceVersion waits for it (watch cache: 3s). */
const FRESHNESS_WAIT_MS = 3000;

export function serveWatch(api: ObjectApi, res: ServerResponse, w: WatchRequest, onClose: (cb: () => void) => void): void {
  const store = api.store;
  const key = resourceKey(w.type);
  const apiVersion = groupVersionString(w.type.group, w.type.version);
  let headersSent = false;
  let first = true;
  let ended = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe: () => void = () => undefined;

  const begin = () => {
    if (headersSent) return;
    headersSent = true;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    // Clients treat the response headers as "watch established"; send them before any event.
    res.flushHeaders();
  };
  const end = () => {
    if (ended) return;
    ended = true;
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    begin();
    res.end();
  };
  onClose(end);

  const send = (type: string, object: unknown) => {
    if (ended) return;
    begin();
    let obj = object;
    if (w.table && (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')) {
      obj = renderTable(w.type, [object as KubeObject], {
        includeObject: w.table.includeObject,
        noHeaders: !first,
        listMeta: {
          resourceVersion: (object as KubeObject).metadata.resourceVersion,
        },
      });
      first = false;
    }
    res.write(`${JSON.stringify({ type, object: obj })}\n`);
  };

  const matches = (o: KubeObject | undefined) =>
    !!o &&
    (!w.namespace || !w.type.namespaced || o.metadata.namespace === w.namespace) &&
    (!w.labelSelector || matchesLabels(w.labelSelector, o.metadata.labels)) &&
    (!w.fieldSelector || matchesFields(w.fieldSelector, o));

  const deliver = (e: StoreEvent) => {
    if (e.resource !== key) return;
    const obj = { ...e.object, apiVersion, kind: w.type.kind };
    const now = matches(e.object);
    const before = matches(e.previous);
    if (e.type === 'ADDED' && now) send('ADDED', obj);
    else if (e.type === 'MODIFIED') {
      if (now && before) send('MODIFIED', obj);
      else if (now) send('ADDED', obj);
      else if (before) send('DELETED', obj);
    } else if (e.type === 'DELETED' && before) send('DELETED', obj);
  };

  const bookmark = (initialEnd = false) => {
    const metadata: Record<string, unknown> = {
      resourceVersion: String(store.resourceVersion),
      creationTimestamp: null,
    };
    if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    send('BOOKMARK', { kind: w.type.kind, apiVersion, metadata });
  };

  const start = () => {
    const rvParam = w.resourceVersion;
    const buffered: StoreEvent[] = [];
    let live = false;
    unsubscribe = store.subscribe((e) => (live ? deliver(e) : buffered.push(e)));
    let from: number;
    if (!rvParam || rvParam === '0' || w.sendInitialEvents) {
      from = store.resourceVersion;
      for (const o of api.list(w.type, w.namespace, {}).items) if (matches(o)) send('ADDED', o);
      if (w.sendInitialEvents && w.allowBookmarks) bookmark(true);
    } else {
      from = Number(rvParam);
      const history = store.eventsSince(from);
      if (!history) {
        send('ERROR', failure(410, 'Expired', `too old resource version: ${rvParam} (${store.oldestResourceVersion})`));
        end();
        return;
      }
      for (const e of history) deliver(e);
      from = store.resourceVersion;
    }
    for (const e of buffered) if (e.resourceVersion > from) deliver(e);
    live = true;
    begin();
    if (w.allowBookmarks) {
      const tick = () => {
        bookmark();
        timers.push(setTimeout(tick, w.bookmarkIntervalMs));
      };
      timers.push(setTimeout(tick, w.bookmarkIntervalMs));
    }
  };

  const armTimeout = () => {
    if (w.timeoutSeconds !== undefined) timers.push(setTimeout(end, w.timeoutSeconds * 1000));
  };

  const wanted = Number(w.resourceVersion);
  if (w.resourceVersion && !w.sendInitialEvents && Number.isFinite(wanted) && wanted > store.resourceVersion) {
    // A resourceVersion from the future: wait for the store to reach it, as the watch cache does.
    const deadline = Math.min(FRESHNESS_WAIT_MS, (w.timeoutSeconds ?? Infinity) * 1000);
    const stop = store.subscribe(() => {
      if (store.resourceVersion >= wanted) {
        stop();
        clearTimeout(timer);
        start();
      }
    });
    const timer = setTimeout(() => {
      stop();
      const status = failure(504, 'Timeout', `Timeout: Too large resource version: ${wanted}, current: ${store.resourceVersion}`, {
        causes: [
          {
            reason: 'ResourceVersionTooLarge',
            message: 'Too large resource version',
          },
        ],
        retryAfterSeconds: 1,
      });
      send('ERROR', status);
      end();
    }, deadline);
    timers.push(timer);
    unsubscribe = stop;
    // Armed after the freshness timer so an equal deadline still delivers the ERROR event first.
    armTimeout();
    return;
  }
  armTimeout();
  start();
}
