import { Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { Namespace, RoleBinding } from '@cube/contracts';
import { DesiredStateStore, DesiredStateStores } from '@cube/messaging';
import { RegisteredClusters } from '../shared/registered-clusters';
import {
  bindingReaches,
  clusterRoleObjects,
  DesiredObject,
  namespaceKey,
  namespaceObjects,
  resourceQuotaKey,
  roleBindingKey,
  roleBindingManifest,
} from './namespace-objects';
import { CLUSTER_ROLE_BINDING_KEY_PREFIX, clusterRoleBindingKey, clusterRoleBindingManifest, clusterWideObjects } from './cluster-objects';

/**
 * Writes what each member cluster must hold to its bucket `cube-desired-<cluster>`, after the
 * database change committed; Warden applies it. Writes are last-writer-wins puts of whole objects,
 * so writing the same state twice is harmless. Nothing is written for an unregistered cluster
 * (`RegisteredClusters`): its namespaces may stay in the database, its bucket is gone and stays gone.
 */
@Injectable()
export class DesiredStateWriter {
  private readonly clustersWithRoles = new Set<string>();

  constructor(
    private readonly stores: DesiredStateStores,
    private readonly registered: RegisteredClusters,
  ) {}

  /** Puts every object of the namespace; drops the ResourceQuota key when it has no quota. */
  async writeNamespace(namespace: Namespace, bindings: RoleBinding[]): Promise<void> {
    const store = await this.storeOf(namespace.cluster);
    if (!store) return;
    await this.ensureClusterRoles(store);
    const objects = namespaceObjects(namespace, bindings);
    for (const [key, object] of objects) await store.put(key, object);
    if (!objects.has(resourceQuotaKey(namespace.name))) await store.delete(resourceQuotaKey(namespace.name));
  }

  /** Deletes every key of a namespace that is gone: RoleBindings and quota first, the Namespace last. */
  async removeNamespace(namespace: Namespace, bindings: RoleBinding[]): Promise<void> {
    const store = await this.storeOf(namespace.cluster);
    if (!store) return;
    for (const binding of bindings) if (bindingReaches(binding, namespace)) await store.delete(roleBindingKey(namespace.name, binding));
    await store.delete(resourceQuotaKey(namespace.name));
    await store.delete(namespaceKey(namespace.name));
  }

  async addBinding(binding: RoleBinding, namespaces: Namespace[]): Promise<void> {
    for (const namespace of namespaces) {
      if (!bindingReaches(binding, namespace)) continue;
      const store = await this.storeOf(namespace.cluster);
      await store?.put(roleBindingKey(namespace.name, binding), roleBindingManifest(namespace, binding));
    }
  }

  async removeBinding(binding: RoleBinding, namespaces: Namespace[]): Promise<void> {
    for (const namespace of namespaces) {
      if (!bindingReaches(binding, namespace)) continue;
      const store = await this.storeOf(namespace.cluster);
      await store?.delete(roleBindingKey(namespace.name, binding));
    }
  }

  /**
   * Makes a cluster's cluster-wide objects what `platformBindings` say: the ClusterRoles and one
   * ClusterRoleBinding per platform binding put (unchanged ones left alone), other ClusterRoleBindings deleted.
   */
  async writeClusterWide(cluster: string, platformBindings: RoleBinding[]): Promise<void> {
    const store = await this.storeOf(cluster);
    if (!store) return;
    const objects = clusterWideObjects(platformBindings);
    for (const [key, object] of objects) {
      const current = await store.get(key);
      if (!current || !isDeepStrictEqual(current.value, object)) await store.put(key, object);
    }
    for (const key of await store.keys()) {
      if (key.startsWith(CLUSTER_ROLE_BINDING_KEY_PREFIX) && !objects.has(key)) await store.delete(key);
    }
    this.clustersWithRoles.add(cluster);
  }

  async addClusterRoleBinding(cluster: string, binding: RoleBinding): Promise<void> {
    const store = await this.storeOf(cluster);
    await store?.put(clusterRoleBindingKey(binding), clusterRoleBindingManifest(binding));
  }

  async removeClusterRoleBinding(cluster: string, binding: RoleBinding): Promise<void> {
    const store = await this.storeOf(cluster);
    await store?.delete(clusterRoleBindingKey(binding));
  }

  /** After the cluster's bucket was deleted: the next write to it (once registered again) starts afresh. */
  async removeCluster(cluster: string): Promise<void> {
    this.clustersWithRoles.delete(cluster);
    await this.stores.remove(cluster);
  }

  private async storeOf(cluster: string): Promise<DesiredStateStore<DesiredObject> | null> {
    return this.registered.mayHold(cluster) ? this.stores.open<DesiredObject>(cluster) : null;
  }

  private async ensureClusterRoles(store: DesiredStateStore<DesiredObject>): Promise<void> {
    if (this.clustersWithRoles.has(store.clusterId)) return;
    for (const [key, object] of clusterRoleObjects()) await store.put(key, object);
    this.clustersWithRoles.add(store.clusterId);
  }
}
