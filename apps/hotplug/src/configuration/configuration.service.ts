import { Injectable } from '@nestjs/common';
import { Actor, ClusterComponentView, ComponentDefaults, ComponentDefaultsBody, ComponentOverrideBody, CubeError } from '@cube/contracts';
import { Catalog } from '../catalog/catalog';
import { ComponentDefinition } from '../catalog/component';
import { deepMerge, ValuesValidator } from '../catalog/values';
import { ComponentDelivery } from '../delivery/component-delivery';
import { MemberClusters } from '../delivery/member-clusters';
import { HotplugAccess } from '../shared/hotplug-access';
import { HotplugEvents } from '../shared/hotplug-events';
import { ClusterComponentEntity } from '../status/cluster-component.entity';
import { ClusterComponentsRepository } from '../status/cluster-components.repository';
import { ComponentDefaultsEntity, ComponentOverrideEntity } from './configuration.entities';
import { ConfigurationRepository } from './configuration.repository';
import { effectiveConfig } from './effective-config';

/**
 * Platform defaults and per-cluster overrides (issue #16, Configuration). Every write validates the
 * merged values of every cluster it affects before anything is stored, commits with its event, then
 * delivers to the affected clusters.
 */
@Injectable()
export class ConfigurationService {
  private readonly validator = new ValuesValidator();

  constructor(
    private readonly catalog: Catalog,
    private readonly configuration: ConfigurationRepository,
    private readonly states: ClusterComponentsRepository,
    private readonly events: HotplugEvents,
    private readonly delivery: ComponentDelivery,
    private readonly clusters: MemberClusters,
    private readonly access: HotplugAccess,
  ) {}

  async defaults(actor: Actor, component: string): Promise<ComponentDefaults> {
    await this.access.requireManage(actor, `component "${component}"`, undefined, component);
    await this.catalog.require(component);
    return defaultsView(component, await this.configuration.defaults(component));
  }

  async setDefaults(actor: Actor, component: string, body: ComponentDefaultsBody): Promise<ComponentDefaults> {
    await this.access.requireManage(actor, `component "${component}"`, undefined, component);
    const { definition } = await this.catalog.require(component);
    this.validator.check(component, definition.valuesSchema, deepMerge(definition.defaultValues, body.values));
    // An override that was valid over the old defaults must stay valid over the new ones.
    for (const override of await this.configuration.overridesOfComponent(component)) {
      this.checkMerged(
        definition,
        { enabled: body.enabled, values: body.values },
        override,
        `the override of cluster "${override.cluster}"`,
      );
    }
    const saved = await this.events.transaction(async (tx) => {
      const row = await this.configuration.saveDefaults(tx, component, body.enabled, body.values);
      await this.events.defaultsChanged(tx, actor, defaultsView(component, row));
      return row;
    });
    await this.delivery.deliverComponent(component, this.clusters.clusters);
    return defaultsView(component, saved);
  }

  async clusterComponents(actor: Actor, cluster: string, requestId: string): Promise<{ items: ClusterComponentView[] }> {
    await this.access.requireCluster(actor, cluster, requestId);
    const full = await this.access.mayManage(actor, cluster);
    const [entries, overrides, states] = await Promise.all([
      this.catalog.all(),
      this.configuration.overridesOfCluster(cluster),
      this.states.ofCluster(cluster),
    ]);
    const defaults = new Map((await this.configuration.allDefaults()).map((row) => [row.component, row]));
    const items = entries.map(({ definition }) => {
      const view = clusterView(
        definition,
        defaults.get(definition.name) ?? null,
        overrides.find((o) => o.component === definition.name) ?? null,
        states.find((s) => s.component === definition.name) ?? null,
      );
      return full ? view : { name: view.name, phase: view.phase };
    });
    return { items };
  }

  async setOverride(
    actor: Actor,
    cluster: string,
    component: string,
    body: ComponentOverrideBody,
    requestId: string,
  ): Promise<ClusterComponentView> {
    await this.access.requireManage(actor, `component "${component}"`, cluster, component);
    await this.access.requireCluster(actor, cluster, requestId);
    const { definition } = await this.catalog.require(component);
    const override = { enabled: body.enabled ?? null, values: body.values ?? null };
    this.checkMerged(definition, await this.configuration.defaults(component), override, 'the values');
    await this.events.transaction(async (tx) => {
      const row = await this.configuration.saveOverride(tx, cluster, component, override.enabled, override.values);
      await this.events.overrideChanged(tx, actor, {
        cluster,
        component,
        version: row.version,
        data: { cluster, component, enabled: row.enabled, values: row.values },
      });
    });
    await this.delivery.deliverComponent(component, [cluster]);
    return this.one(cluster, definition);
  }

  async deleteOverride(actor: Actor, cluster: string, component: string, requestId: string): Promise<ClusterComponentView> {
    await this.access.requireManage(actor, `component "${component}"`, cluster, component);
    await this.access.requireCluster(actor, cluster, requestId);
    const { definition } = await this.catalog.require(component);
    await this.events.transaction(async (tx) => {
      const removed = await this.configuration.deleteOverride(tx, cluster, component);
      if (removed)
        await this.events.overrideChanged(tx, actor, {
          cluster,
          component,
          version: removed.version + 1,
          data: { cluster, component, enabled: null, values: null },
        });
    });
    await this.delivery.deliverComponent(component, [cluster]);
    return this.one(cluster, definition);
  }

  private async one(cluster: string, definition: ComponentDefinition): Promise<ClusterComponentView> {
    const states = await this.states.ofCluster(cluster);
    return clusterView(
      definition,
      await this.configuration.defaults(definition.name),
      await this.configuration.override(cluster, definition.name),
      states.find((s) => s.component === definition.name) ?? null,
    );
  }

  /** 422 with JSON pointers when the values `override` would give over `defaults` break the schema. */
  private checkMerged(
    definition: ComponentDefinition,
    defaults: Pick<ComponentDefaultsEntity, 'enabled' | 'values'> | null,
    override: Pick<ComponentOverrideEntity, 'enabled' | 'values'>,
    what: string,
  ): void {
    const merged = effectiveConfig(definition, defaults, override);
    try {
      this.validator.check(definition.name, definition.valuesSchema, merged.values);
    } catch (error: unknown) {
      if (error instanceof CubeError)
        throw new CubeError(error.code, `${what} of component "${definition.name}" do not match its schema once merged`, error.details);
      throw error;
    }
  }
}

function defaultsView(component: string, row: ComponentDefaultsEntity | null): ComponentDefaults {
  return { component, enabled: row?.enabled ?? false, values: row?.values ?? {}, version: row?.version ?? 0 };
}

function clusterView(
  definition: ComponentDefinition,
  defaults: ComponentDefaultsEntity | null,
  override: ComponentOverrideEntity | null,
  state: ClusterComponentEntity | null,
): ClusterComponentView {
  const config = effectiveConfig(definition, defaults, override);
  const phase = !config.enabled ? 'disabled' : (state?.phase ?? 'pending');
  return {
    name: definition.name,
    enabled: config.enabled,
    values: config.values,
    version: definition.version,
    phase: phase === 'disabled' && config.enabled ? 'pending' : phase,
    message: state?.message ?? '',
    generation: state?.generation ?? 0,
    observedGeneration: state?.observedGeneration ?? null,
    source: config.source,
  };
}
