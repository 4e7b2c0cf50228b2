import { useQuery } from '@tanstack/react-query';
import { must } from '../api/api';
import { useApi } from '../api/api-context';

export const clusterKeys = {
  all: ['clusters'] as const,
  list: () => [...clusterKeys.all, 'list'] as const,
  one: (name: string) => [...clusterKeys.all, 'one', name] as const,
};

/** Live status: clusters are polled every few seconds (heartbeats change status server-side). */
export const CLUSTER_POLL_MS = 5_000;

export function useClusters(enabled = true) {
  const { client } = useApi();
  return useQuery({
    queryKey: clusterKeys.list(),
    queryFn: () => must(client.GET('/api/v1/clusters', { params: { query: { limit: 500 } } })),
    refetchInterval: CLUSTER_POLL_MS,
    enabled,
  });
}

export function useCluster(name: string) {
  const { client } = useApi();
  return useQuery({
    queryKey: clusterKeys.one(name),
    queryFn: () => must(client.GET('/api/v1/clusters/{cluster}', { params: { path: { cluster: name } } })),
    refetchInterval: CLUSTER_POLL_MS,
  });
}
