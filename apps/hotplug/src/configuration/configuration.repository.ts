import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ComponentDefaultsEntity, ComponentOverrideEntity } from './configuration.entities';

/** The one owner of `component_defaults` and `component_overrides`. */
@Injectable()
export class ConfigurationRepository {
  constructor(private readonly dataSource: DataSource) {}

  private defaultsRepo(tx?: EntityManager) {
    return (tx ?? this.dataSource.manager).getRepository(ComponentDefaultsEntity);
  }

  private overridesRepo(tx?: EntityManager) {
    return (tx ?? this.dataSource.manager).getRepository(ComponentOverrideEntity);
  }

  defaults(component: string, tx?: EntityManager): Promise<ComponentDefaultsEntity | null> {
    return this.defaultsRepo(tx).findOneBy({ component });
  }

  allDefaults(tx?: EntityManager): Promise<ComponentDefaultsEntity[]> {
    return this.defaultsRepo(tx).find();
  }

  /** Writes the defaults, one version past what was there; returns the row. */
  async saveDefaults(
    tx: EntityManager,
    component: string,
    enabled: boolean,
    values: Record<string, unknown>,
  ): Promise<ComponentDefaultsEntity> {
    const current = await this.defaultsRepo(tx).findOne({ where: { component }, lock: { mode: 'pessimistic_write' } });
    return this.defaultsRepo(tx).save({ component, enabled, values, updatedAt: new Date(), version: (current?.version ?? 0) + 1 });
  }

  override(cluster: string, component: string, tx?: EntityManager): Promise<ComponentOverrideEntity | null> {
    return this.overridesRepo(tx).findOneBy({ cluster, component });
  }

  overridesOfCluster(cluster: string, tx?: EntityManager): Promise<ComponentOverrideEntity[]> {
    return this.overridesRepo(tx).findBy({ cluster });
  }

  overridesOfComponent(component: string, tx?: EntityManager): Promise<ComponentOverrideEntity[]> {
    return this.overridesRepo(tx).findBy({ component });
  }

  async saveOverride(
    tx: EntityManager,
    cluster: string,
    component: string,
    enabled: boolean | null,
    values: Record<string, unknown> | null,
  ): Promise<ComponentOverrideEntity> {
    const current = await this.overridesRepo(tx).findOne({ where: { cluster, component }, lock: { mode: 'pessimistic_write' } });
    return this.overridesRepo(tx).save({
      cluster,
      component,
      enabled,
      values,
      updatedAt: new Date(),
      version: (current?.version ?? 0) + 1,
    });
  }

  /** Returns the removed override, or null when there was none. */
  async deleteOverride(tx: EntityManager, cluster: string, component: string): Promise<ComponentOverrideEntity | null> {
    const current = await this.overridesRepo(tx).findOne({ where: { cluster, component }, lock: { mode: 'pessimistic_write' } });
    if (current) await this.overridesRepo(tx).delete({ cluster, component });
    return current;
  }

  /** Everything configured for a component that leaves the catalog. */
  async forgetComponent(tx: EntityManager, component: string): Promise<void> {
    await this.defaultsRepo(tx).delete({ component });
    await this.overridesRepo(tx).delete({ component });
  }

  async forgetCluster(tx: EntityManager, cluster: string): Promise<void> {
    await this.overridesRepo(tx).delete({ cluster });
  }
}
