import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import { HOTPLUG_KEY_PREFIX, RoleBinding } from '@cube/contracts';
import { NatsConnection } from 'nats';
import { DesiredStateStores, JETSTREAM_CONNECTION } from '@cube/messaging';
import { RoleBindingsProjection } from '../access/role-bindings.projection';
import { HierarchyRepository, toNamespace } from '../hierarchy/hierarchy.repository';
import { ClusterRegistry } from '../quota/cluster-registry';
import { RegisteredClusters } from '../shared/registered-clusters';
import { StartupRetry } from '../shared/startup-retry';
import { clusterWideObjects } from './cluster-objects';
import { DesiredStateWriter } from './desired-state-writer';
import { MemberClusters } from './member-clusters';
import { DesiredObject, namespaceObjects } from './namespace-objects';

const BUCKET_STREAM_PREFIX = 'KV_cube-desired-';

/**
 * At start, makes every registered cluster's bucket `cube-desired-<cluster>` exactly what the
 * database says: each desired key rewritten when its value differs, every other key of tenancy's
 * deleted (the hotplug service's `hotplug.*` keys are its own). Writes happen after
 * commits and are not retried, so a crash between a commit and its bucket write (or a lost write)
 * would otherwise stay wrong until that namespace changes again. The bucket keys are read before the
 * database, so a namespace created meanwhile is never taken for a stray. Every registered cluster
 * (asked of the clusters service) gets its cluster-wide objects, the ClusterRoles and the platform
 * bindings' ClusterRoleBindings, even before it has a namespace. Namespaces of a deleted cluster stay
 * in the database but its bucket is not written again; one still there (its deletion missed, or
 * older than this rule) is deleted.
 * `resyncCluster` does the same for one cluster, when it is registered (again).
 */
@Injectable()
export class DesiredStateResync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DesiredStateResync.name);
  private readonly retry = new StartupRetry(this.logger, 'resynchronise the desired state');

  constructor(
    private readonly hierarchy: HierarchyRepository,
    private readonly stores: DesiredStateStores,
    private readonly bindings: RoleBindingsProjection,
    private readonly registry: ClusterRegistry,
    private readonly registered: RegisteredClusters,
    private readonly members: MemberClusters,
    private readonly writer: DesiredStateWriter,
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
  ) {}

  onApplicationBootstrap(): void {
    // The clusters service may start after tenancy: retried in the background until it answers.
    this.retry.run(async () => {
      const report = await this.resyncAll();
      this.logger.log(report, 'desired state resynchronised from the database');
    });
  }

  onApplicationShutdown(): void {
    this.retry.stop();
  }

  /** Runs apart from cluster-wide changes (MemberClusters), so none is undone by this pass. */
  resyncAll(): Promise<{ clusters: number; written: number; deleted: number; removedBuckets: number }> {
    return this.members.exclusive(async () => {
      // Buckets first, then the registry: a bucket made for a cluster registered meanwhile has its
      // cluster in the list, so only a bucket whose cluster was unregistered is taken for a leftover.
      const buckets = await this.bucketClusters();
      const registered = await this.registry.registeredClusters();
      this.registered.seed(registered);
      const report = await this.resyncNow(registered);
      const leftovers = buckets.filter((cluster) => !this.registered.mayHold(cluster));
      for (const cluster of leftovers) await this.writer.removeCluster(cluster);
      return { ...report, removedBuckets: leftovers.length };
    });
  }

  /** A cluster was registered (perhaps again, after its deletion): its bucket becomes what the database says. */
  resyncCluster(cluster: string): Promise<{ clusters: number; written: number; deleted: number }> {
    return this.members.exclusive(() => this.resyncNow([cluster]));
  }

  /** The cluster was unregistered: its bucket goes, every key with it (the hotplug service's too). */
  removeCluster(cluster: string): Promise<void> {
    return this.members.exclusive(() => this.writer.removeCluster(cluster));
  }

  private async resyncNow(clusters: string[]): Promise<{ clusters: number; written: number; deleted: number }> {
    const keysBefore = new Map<string, string[]>();
    for (const cluster of clusters) keysBefore.set(cluster, await (await this.stores.open<DesiredObject>(cluster)).keys());
    const included = new Set(clusters);
    const rows = (await this.hierarchy.allNamespaces()).filter((row) => included.has(row.cluster));
    const clusterWide = clusterWideObjects(await this.bindings.platformBindings());
    const desired = new Map<string, Map<string, DesiredObject>>();
    // Namespaces of one project share its bindings: one query per project, not per namespace.
    const projectBindings = new Map<string, Promise<RoleBinding[]>>();
    const bindingsOf = (tenant: string, project: string): Promise<RoleBinding[]> => {
      const key = `${tenant}/${project}`;
      let bindings = projectBindings.get(key);
      if (!bindings) {
        bindings = this.bindings.inTenant(tenant, project);
        projectBindings.set(key, bindings);
      }
      return bindings;
    };
    for (const row of rows) {
      const namespace = toNamespace(row);
      let objects = desired.get(namespace.cluster);
      if (!objects) {
        objects = new Map(clusterWide);
        desired.set(namespace.cluster, objects);
      }
      for (const [key, object] of namespaceObjects(namespace, await bindingsOf(namespace.tenant, namespace.project)))
        objects.set(key, object);
    }
    let written = 0;
    let deleted = 0;
    for (const cluster of included) {
      const store = await this.stores.open<DesiredObject>(cluster);
      // A cluster without namespaces holds the cluster-wide objects only.
      const objects = desired.get(cluster) ?? clusterWide;
      for (const [key, object] of objects) {
        const current = await store.get(key);
        if (current && isDeepStrictEqual(current.value, object)) continue;
        await store.put(key, object);
        written += 1;
      }
      for (const key of keysBefore.get(cluster) ?? []) {
        // The bucket is shared: keys under `hotplug.` belong to the hotplug service (optional components).
        if (objects.has(key) || key.startsWith(HOTPLUG_KEY_PREFIX)) continue;
        await store.delete(key);
        deleted += 1;
      }
    }
    return { clusters: included.size, written, deleted };
  }

  /** Clusters that have a desired-state bucket (a KV bucket is the stream `KV_<bucket>`). */
  private async bucketClusters(): Promise<string[]> {
    const manager = await this.nats.jetstreamManager();
    const clusters: string[] = [];
    for await (const stream of manager.streams.list()) {
      if (stream.config.name.startsWith(BUCKET_STREAM_PREFIX)) clusters.push(stream.config.name.slice(BUCKET_STREAM_PREFIX.length));
    }
    return clusters;
  }
}
