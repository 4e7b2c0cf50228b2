import { Provider } from '@nestjs/common';
import { ClusterConnections } from './cluster-connections';
import { KubeApiProxy } from './kube-api-proxy';
import { NamespacePlacements } from './namespace-placements';
import { ProxyBus } from './proxy-bus';
import { ProxyFastPath } from './proxy-fast-path';
import { ProxyMiddleware } from './proxy.middleware';
import { ProxyUpgrades } from './proxy-upgrades';
import { TenantLists } from './tenant-lists';

/**
 * The native API proxy's parts. They live in the gateway module (not a module of their own) so that
 * they share its CredentialVerifier, whose caches the revocation listener clears.
 */
export const PROXY_PROVIDERS: Provider[] = [
  ClusterConnections,
  NamespacePlacements,
  ProxyBus,
  KubeApiProxy,
  ProxyMiddleware,
  ProxyUpgrades,
  ProxyFastPath,
  TenantLists,
];

/** Nest route pattern of the proxy, for the middleware (requests with an Origin when CORS is on; see ProxyFastPath). */
export const PROXY_ROUTE = 'api/v1/proxy/clusters/*path';
