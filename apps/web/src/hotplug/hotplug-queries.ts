import { useQuery } from '@tanstack/react-query';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import type { components } from '../api/schema.gen';

export type ClusterComponent = components['schemas']['ClusterComponentItemView'];
export type CatalogComponent = components['schemas']['ComponentItemView'];
export type ComponentPhase = ClusterComponent['phase'];

export const hotplugKeys = {
  all: ['hotplug'] as const,
  catalog: () => [...hotplugKeys.all, 'catalog'] as const,
  ofCluster: (cluster: string) => [...hotplugKeys.all, 'cluster', cluster] as const,
};

/** Phases in which Warden is still at work: the list is polled faster while one shows (UI.md: progress from the API's phases). */
export const BUSY_PHASES: readonly ComponentPhase[] = ['pending', 'applying'];
export const BUSY_POLL_MS = 2_000;
export const IDLE_POLL_MS = 10_000;

export function useClusterComponents(cluster: string) {
  const { client } = useApi();
  return useQuery({
    queryKey: hotplugKeys.ofCluster(cluster),
    queryFn: () => must(client.GET('/api/v1/clusters/{cluster}/hotplug', { params: { path: { cluster } } })),
    refetchInterval: (query) => (query.state.data?.items.some((item) => BUSY_PHASES.includes(item.phase)) ? BUSY_POLL_MS : IDLE_POLL_MS),
  });
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
