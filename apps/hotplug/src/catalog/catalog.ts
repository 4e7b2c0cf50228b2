import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { KubernetesObject } from '@kubernetes/client-node';
import { DataSource, EntityManager } from 'typeorm';
import { CubeError } from '@cube/contracts';
import { BUILT_IN_COMPONENTS } from './built-in-components';
import { ComponentDefinition } from './component';
import { bundleObjects, isClusterScopedKind } from './custom/bundle';
import { CustomComponentEntity } from './custom/custom-component.entity';

/** A custom component takes no values: its bundle is what it installs. */
const NO_VALUES_SCHEMA = { type: 'object', additionalProperties: false, properties: {} };

export interface CatalogEntry {
  definition: ComponentDefinition;
  kind: 'built-in' | 'custom';
}

export const bundleSha256 = (bundle: string) => createHash('sha256').update(bundle, 'utf8').digest('hex');

/**
 * The catalog: built-in components (typed builders in this folder) and custom ones (bundles
 * uploaded by platform admins, owned here). Every caller gets a ComponentDefinition either way, so
 * configuration and delivery never tell them apart.
 */
@Injectable()
export class Catalog {
  constructor(private readonly dataSource: DataSource) {}

  customRepository(tx?: EntityManager) {
    return (tx ?? this.dataSource.manager).getRepository(CustomComponentEntity);
  }

  async find(name: string, tx?: EntityManager): Promise<CatalogEntry | null> {
    const builtIn = BUILT_IN_COMPONENTS.get(name);
    if (builtIn) return { definition: builtIn, kind: 'built-in' };
    const custom = await this.customRepository(tx).findOneBy({ name });
    return custom ? { definition: customDefinition(custom), kind: 'custom' } : null;
  }

  /** 404 naming the component when the catalog has no such component. */
  async require(name: string, tx?: EntityManager): Promise<CatalogEntry> {
    const entry = await this.find(name, tx);
    if (!entry) throw new CubeError('NOT_FOUND', `component "${name}" is not in the catalog`, { component: name });
    return entry;
  }

  /** Every component, by name. */
  async all(tx?: EntityManager): Promise<CatalogEntry[]> {
    const customs = await this.customRepository(tx).find({ order: { name: 'ASC' } });
    const entries: CatalogEntry[] = [...BUILT_IN_COMPONENTS.values()].map((definition) => ({ definition, kind: 'built-in' as const }));
    entries.push(...customs.map((custom) => ({ definition: customDefinition(custom), kind: 'custom' as const })));
    return entries.sort((a, b) => a.definition.name.localeCompare(b.definition.name));
  }
}

/** A custom component as a definition: its bundle for the cluster, namespaced objects defaulted to its namespace. */
export function customDefinition(custom: CustomComponentEntity): ComponentDefinition {
  return {
    name: custom.name,
    displayName: custom.name,
    description: custom.description,
    // The bundle's own hash: a replaced bundle is a new version, and re-renders every cluster using it.
    version: `sha256-${custom.bundleSha256.slice(0, 12)}`,
    namespace: custom.namespace,
    valuesSchema: NO_VALUES_SCHEMA,
    defaultValues: {},
    build: (_values, { cluster }) =>
      bundleObjects(custom.bundle, cluster).map((object): KubernetesObject => {
        if (isClusterScopedKind(object.kind ?? '') || object.metadata?.namespace) return object;
        return { ...object, metadata: { ...object.metadata, namespace: custom.namespace } };
      }),
  };
}
