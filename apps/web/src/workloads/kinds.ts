/**
 * The Kubernetes resources the console lists in a namespace, with the native API path of each
 * (reached through the gateway's proxy `/api/v1/proxy/clusters/{cluster}/…`).
 */
export interface ResourceKind {
  /** URL segment and i18n key: `deployments`, `configmaps`, … */
  key: string;
  kind: string;
  apiVersion: string;
  /** The API group path: `/api/v1` or `/apis/apps/v1`. */
  groupPath: string;
  /** Sidebar area (UI.md): workloads, network, configuration, events. */
  area: 'workloads' | 'network' | 'configuration' | 'events';
  scalable?: boolean;
  /** Secret values stay hidden until revealed. */
  secret?: boolean;
  /** Pods: logs tab. */
  logs?: boolean;
}

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  { key: 'deployments', kind: 'Deployment', apiVersion: 'apps/v1', groupPath: '/apis/apps/v1', area: 'workloads', scalable: true },
  { key: 'statefulsets', kind: 'StatefulSet', apiVersion: 'apps/v1', groupPath: '/apis/apps/v1', area: 'workloads', scalable: true },
  { key: 'daemonsets', kind: 'DaemonSet', apiVersion: 'apps/v1', groupPath: '/apis/apps/v1', area: 'workloads' },
  { key: 'pods', kind: 'Pod', apiVersion: 'v1', groupPath: '/api/v1', area: 'workloads', logs: true },
  { key: 'jobs', kind: 'Job', apiVersion: 'batch/v1', groupPath: '/apis/batch/v1', area: 'workloads' },
  { key: 'services', kind: 'Service', apiVersion: 'v1', groupPath: '/api/v1', area: 'network' },
  { key: 'configmaps', kind: 'ConfigMap', apiVersion: 'v1', groupPath: '/api/v1', area: 'configuration' },
  { key: 'secrets', kind: 'Secret', apiVersion: 'v1', groupPath: '/api/v1', area: 'configuration', secret: true },
  { key: 'events', kind: 'Event', apiVersion: 'v1', groupPath: '/api/v1', area: 'events' },
];

export function kindByKey(key: string | undefined): ResourceKind | undefined {
  return RESOURCE_KINDS.find((kind) => kind.key === key);
}

/** `/api/v1/namespaces/{ns}/configmaps[/{name}]` for a kind in a namespace. */
export function resourcePath(kind: ResourceKind, namespace: string, name?: string): string {
  const base = `${kind.groupPath}/namespaces/${encodeURIComponent(namespace)}/${kind.key}`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}
