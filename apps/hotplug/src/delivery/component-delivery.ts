import { Injectable, Logger } from '@nestjs/common';
import type { KubernetesObject } from '@kubernetes/client-node';
import { hotplugKeyPrefix } from '@cube/contracts';
import { DesiredStateStores } from '@cube/messaging';
import { Catalog } from '../catalog/catalog';
import { canonicalJson } from '../catalog/values';
import { ConfigurationRepository } from '../configuration/configuration.repository';
import { effectiveConfig } from '../configuration/effective-config';
import { HotplugEvents } from '../shared/hotplug-events';
import { ClusterComponentsRepository } from '../status/cluster-components.repository';
import { configFingerprint, renderComponent } from './rendering';

/** Deleted last: removing a namespace removes what is in it, so its other keys go first. */
const deleteOrder = (key: string) => (key.split('.')[2] === 'namespace' ? 1 : 0);

/**
 * Writes each component's rendered objects into a cluster's desired state (`cube-desired-<cluster>`,
 * keys `hotplug.<component>.*`), the one delivery path (ARCHITECTURE.md): Warden applies and prunes
 * them. A config whose fingerprint is unchanged keeps its generation, renders the same bytes and
 * writes nothing; keys no longer rendered are deleted. Deliveries run one at a time in this process.
 */
@Injectable()
export class ComponentDelivery {
  private readonly logger = new Logger(ComponentDelivery.name);
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly catalog: Catalog,
    private readonly configuration: ConfigurationRepository,
    private readonly states: ClusterComponentsRepository,
    private readonly stores: DesiredStateStores,
    private readonly events: HotplugEvents,
  ) {}

  /** Every component of the catalog into `cluster`. */
  deliverCluster(cluster: string): Promise<void> {
    return this.exclusive(async () => {
      for (const entry of await this.catalog.all()) await this.deliverNow(cluster, entry.definition.name);
    });
  }

  /** One component into each of `clusters`. */
  deliverComponent(component: string, clusters: Iterable<string>): Promise<void> {
    const targets = [...clusters];
    return this.exclusive(async () => {
      for (const cluster of targets) await this.deliverNow(cluster, component);
    });
  }

  /** Deletes every key of a component that left the catalog. */
  withdrawComponent(component: string, clusters: Iterable<string>): Promise<void> {
    const targets = [...clusters];
    return this.exclusive(async () => {
      for (const cluster of targets) await this.write(cluster, component, new Map());
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async deliverNow(cluster: string, component: string): Promise<void> {
    const entry = await this.catalog.find(component);
    if (!entry) return;
    const { definition } = entry;
    const config = effectiveConfig(
      definition,
      await this.configuration.defaults(component),
      await this.configuration.override(cluster, component),
    );
    const fingerprint = configFingerprint(definition, config);
    const generation = await this.events.transaction(async (tx) => {
      const row = await this.states.lock(tx, cluster, component);
      if (row && row.fingerprint === fingerprint) return row.generation;
      const next = (row?.generation ?? 0) + 1;
      const phase = config.enabled ? 'pending' : 'disabled';
      const message = config.enabled ? `generation ${next} written to the desired state; waiting for Warden` : '';
      await this.states.save(tx, {
        cluster,
        component,
        generation: next,
        fingerprint,
        phase,
        message,
        observedGeneration: row?.observedGeneration ?? null,
        runningGeneration: row?.runningGeneration ?? null,
        updatedAt: new Date(),
      });
      if (row?.phase !== phase)
        await this.events.phaseChanged(tx, {
          cluster,
          component,
          from: row?.phase ?? null,
          to: phase,
          message,
          observedGeneration: row?.observedGeneration ?? null,
          generation: next,
        });
      return next;
    });
    await this.write(cluster, component, renderComponent(definition, config, cluster, generation));
  }

  /** Puts what changed, deletes what is no longer rendered; an unchanged object is not written. */
  private async write(cluster: string, component: string, rendered: Map<string, KubernetesObject>): Promise<void> {
    const store = await this.stores.open<KubernetesObject>(cluster);
    const prefix = hotplugKeyPrefix(component);
    let puts = 0;
    for (const [key, object] of rendered) {
      const current = await store.get(key);
      if (current && canonicalJson(current.value) === canonicalJson(object)) continue;
      await store.put(key, object);
      puts += 1;
    }
    const stale = (await store.keys())
      .filter((key) => key.startsWith(prefix) && !rendered.has(key))
      .sort((a, b) => deleteOrder(a) - deleteOrder(b));
    for (const key of stale) await store.delete(key);
    if (puts > 0 || stale.length > 0)
      this.logger.log({ cluster, component, written: puts, deleted: stale.length }, 'component desired state updated');
  }
}
