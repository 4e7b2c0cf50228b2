import { stringify } from 'yaml';
import { PROXY_PREFIX } from '../proxy/kube-api-proxy';

/** One cluster the caller reaches, and their namespace there when they have exactly one. */
export interface ReachableCluster {
  name: string;
  namespace?: string;
}

export interface KubeconfigInput {
  /** Where clients reach the gateway (no trailing slash). */
  publicUrl: string;
  /** PEM of the CA behind `publicUrl`, or none when the client's system trust applies. */
  caPem: string | null;
  user: string;
  /** The API token kubectl presents; absent when there is no cluster to use it on. */
  token: string | null;
  clusters: readonly ReachableCluster[];
}

/** The proxy path a kubeconfig points at for one cluster (API.md "Clusters"). */
export function proxyServerUrl(publicUrl: string, cluster: string): string {
  return `${publicUrl}${PROXY_PREFIX}${cluster}`;
}

/**
 * A kubeconfig (clientcmd v1) for the caller: one cluster and one context per reachable cluster,
 * all through the gateway's proxy, and one user holding the caller's API token. The contexts are
 * named after the clusters, so `kubectl --context <cluster>` reads as Cube's cluster names.
 */
export function kubeconfigDocument(input: KubeconfigInput): string {
  const caData = input.caPem ? Buffer.from(input.caPem).toString('base64') : undefined;
  const document = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': input.clusters[0]?.name ?? '',
    clusters: input.clusters.map((cluster) => ({
      name: cluster.name,
      cluster: {
        server: proxyServerUrl(input.publicUrl, cluster.name),
        ...(caData ? { 'certificate-authority-data': caData } : {}),
      },
    })),
    contexts: input.clusters.map((cluster) => ({
      name: cluster.name,
      context: { cluster: cluster.name, user: input.user, ...(cluster.namespace ? { namespace: cluster.namespace } : {}) },
    })),
    users: input.token ? [{ name: input.user, user: { token: input.token } }] : [],
  };
  return stringify(document);
}
