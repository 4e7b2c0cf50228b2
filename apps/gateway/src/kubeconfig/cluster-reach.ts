import { Injectable } from '@nestjs/common';
import { Actor, ClustersSubjects, ClusterView, Namespace } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { allPages, bindsAtPlatform, visibleNamespaces, WHOLE_LIST_PAGE } from '../tenancy/visible-namespaces';
import { ReachableCluster } from './kubeconfig-document';

/**
 * Which member clusters a caller can use through the proxy, asked of the services that own the
 * answer (identity for bindings, clusters for the registry, tenancy for namespaces). A platform-scope
 * binding becomes a ClusterRoleBinding in every member cluster (libs/auth native-bindings), so it
 * reaches every registered cluster; tenant and project bindings become RoleBindings in their
 * namespaces only, so they reach the clusters holding those namespaces.
 */
@Injectable()
export class ClusterReach {
  constructor(private readonly bus: ServiceRequester) {}

  /** Every cluster the actor reaches, by name. */
  async all(actor: Actor, requestId: string): Promise<ReachableCluster[]> {
    const registered = await allPages<ClusterView>((cursor) =>
      this.bus.request(ClustersSubjects.list, { actor, requestId, payload: { limit: WHOLE_LIST_PAGE, cursor } }),
    );
    if (await bindsAtPlatform(this.bus, actor, requestId)) return registered.map(({ name }) => ({ name }));
    const namespaces = await visibleNamespaces(this.bus, actor, requestId, {});
    return registered.map(({ name }) => reachOf(name, namespaces)).filter((reach): reach is ReachableCluster => reach !== null);
  }

  /** The cluster if the actor reaches it; NOT_FOUND (from clusters) when it is not registered, null when not reached. */
  async one(actor: Actor, requestId: string, cluster: string): Promise<ReachableCluster | null> {
    const view = await this.bus.request(ClustersSubjects.get, { actor, requestId, payload: { name: cluster } });
    if (await bindsAtPlatform(this.bus, actor, requestId)) return { name: view.name };
    return reachOf(view.name, await visibleNamespaces(this.bus, actor, requestId, { cluster: view.name }));
  }
}

/** A cluster is reached through the caller's namespaces in it; exactly one becomes the context's default. */
function reachOf(cluster: string, namespaces: readonly Namespace[]): ReachableCluster | null {
  const here = namespaces.filter((namespace) => namespace.cluster === cluster);
  if (here.length === 0) return null;
  return here.length === 1 && here[0] ? { name: cluster, namespace: here[0].name } : { name: cluster };
}
