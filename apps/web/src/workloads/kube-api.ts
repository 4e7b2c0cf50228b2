import type { Api } from '../api/api';
import { apiErrorOf } from '../api/api-error';

/**
 * Kubernetes objects through the gateway's native proxy (`/api/v1/proxy/clusters/{cluster}/…`), as
 * the caller: the member cluster's RBAC decides. These bodies are Kubernetes' own, not Cube's API,
 * so they have no generated types; only the fields the console reads are named here.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    managedFields?: { manager?: string; operation?: string; time?: string }[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface KubeList {
  items: KubeObject[];
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
}

export function proxyUrl(api: Api, cluster: string, path: string): string {
  return `${api.gatewayUrl}/api/v1/proxy/clusters/${encodeURIComponent(cluster)}${path}`;
}

export async function kubeRequest<T>(api: Api, cluster: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await api.fetch(new Request(proxyUrl(api, cluster, path), init));
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!response.ok) throw apiErrorOf(response.status, body);
  return body as T;
}

/** The console's field manager for server-side apply (shown to others in conflicts). */
export const FIELD_MANAGER = 'cube-console';

/** Server-side apply of one object: PATCH application/apply-patch+yaml (JSON is valid YAML). */
export function applyObject(api: Api, cluster: string, path: string, object: unknown, force = false): Promise<KubeObject> {
  const query = new URLSearchParams({ fieldManager: FIELD_MANAGER });
  if (force) query.set('force', 'true');
  return kubeRequest<KubeObject>(api, cluster, `${path}?${query.toString()}`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/apply-patch+yaml' },
    body: JSON.stringify(object),
  });
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
}

/** Streams a watch (newline-delimited JSON events) until aborted; resolves when the server ends it. */
export async function watch(
  api: Api,
  cluster: string,
  path: string,
  onEvent: (event: WatchEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await api.fetch(new Request(proxyUrl(api, cluster, path), { signal }));
  if (!response.ok || !response.body) throw apiErrorOf(response.status, await response.text());
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) onEvent(JSON.parse(line) as WatchEvent);
      newline = buffer.indexOf('\n');
    }
  }
}
