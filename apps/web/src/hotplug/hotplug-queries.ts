import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { must, type Api } from '../api/api';
import { useApi } from '../api/api-context';
import type { components } from '../api/schema.gen';

export type ClusterComponent = components['schemas']['ClusterComponentItemView'];
export type CatalogComponent = components['schemas']['ComponentItemView'];
export type ComponentPhase = ClusterComponent['phase'];
export type ComponentOverride = components['schemas']['ComponentOverrideBody'];

export const hotplugKeys = {
  all: ['hotplug'] as const,
  catalog: () => [...hotplugKeys.all, 'catalog'] as const,
  ofCluster: (cluster: string) => [...hotplugKeys.all, 'cluster', cluster] as const,
};

/** Phases in which Warden is still at work: the list is polled faster while one shows (UI.md: progress from the API's phases). */
export const BUSY_PHASES: readonly ComponentPhase[] = ['pending', 'applying'];
export const BUSY_POLL_MS = 2_000;
export const IDLE_POLL_MS = 10_000;

/** One cluster's components, polled faster while one of them is busy; shared by the cluster's tab and the Components page. */
function clusterComponentsQuery(client: Api['client'], cluster: string) {
  return {
    queryKey: hotplugKeys.ofCluster(cluster),
    queryFn: () => must(client.GET('/api/v1/clusters/{cluster}/hotplug', { params: { path: { cluster } } })),
    refetchInterval: (query: { state: { data?: { items: ClusterComponent[] } } }) =>
      query.state.data?.items.some((item) => BUSY_PHASES.includes(item.phase)) ? BUSY_POLL_MS : IDLE_POLL_MS,
  };
}

export function useClusterComponents(cluster: string) {
  const { client } = useApi();
  return useQuery(clusterComponentsQuery(client, cluster));
}

/** The components of several clusters at once (the Components page), one query per cluster as in the cluster's tab. */
export function useClustersComponents(clusters: readonly string[]) {
  const { client } = useApi();
  return useQueries({ queries: clusters.map((cluster) => clusterComponentsQuery(client, cluster)) });
}

/** The catalog: display names, descriptions and each component's JSON Schema of values. */
export function useCatalog() {
  const { client } = useApi();
  return useQuery({
    queryKey: hotplugKeys.catalog(),
    queryFn: () => must(client.GET('/api/v1/hotplug/components', { params: { query: { limit: 500 } } })),
    staleTime: 60_000,
  });
}

/**
 * A cluster's override of one component: `set` turns it on or off and/or stores its values
 * (PUT, deep-merged over the defaults), `reset` drops it so the platform defaults apply again.
 * Either refreshes that cluster's components, whose phases then show Warden's progress.
 */
export function useComponentOverride() {
  const { client } = useApi();
  const queryClient = useQueryClient();
  const refresh = (cluster: string) => queryClient.invalidateQueries({ queryKey: hotplugKeys.ofCluster(cluster) });
  const set = useMutation({
    mutationFn: ({ cluster, component, body }: { cluster: string; component: string; body: ComponentOverride }) =>
      must(client.PUT('/api/v1/clusters/{cluster}/hotplug/{component}', { params: { path: { cluster, component } }, body })),
    onSettled: (_data, _error, { cluster }) => refresh(cluster),
  });
  const reset = useMutation({
    mutationFn: ({ cluster, component }: { cluster: string; component: string }) =>
      must(client.DELETE('/api/v1/clusters/{cluster}/hotplug/{component}', { params: { path: { cluster, component } } })),
    onSettled: (_data, _error, { cluster }) => refresh(cluster),
  });
  return { set, reset };
}
