import { gunzipSync } from 'node:zlib';
import { Inject, Injectable } from '@nestjs/common';
import { Actor, ComponentView, CubeError, CustomComponentPayload, MAX_BUNDLE_BYTES, Page } from '@cube/contracts';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { ConfigurationRepository } from '../configuration/configuration.repository';
import { ComponentDelivery } from '../delivery/component-delivery';
import { MemberClusters } from '../delivery/member-clusters';
import { allowedClusterKinds, HotplugEnvironment } from '../hotplug-environment';
import { HotplugAccess } from '../shared/hotplug-access';
import { HotplugEvents } from '../shared/hotplug-events';
import { ClusterComponentsRepository } from '../status/cluster-components.repository';
import { BUILT_IN_COMPONENTS } from './built-in-components';
import { bundleSha256, Catalog, CatalogEntry } from './catalog';
import { checkBundle } from './custom/bundle';

/** The catalog as the API shows it, and the custom components platform admins upload. */
@Injectable()
export class ComponentsService {
  private readonly clusterKinds: ReadonlySet<string>;

  constructor(
    private readonly catalog: Catalog,
    private readonly configuration: ConfigurationRepository,
    private readonly states: ClusterComponentsRepository,
    private readonly events: HotplugEvents,
    private readonly delivery: ComponentDelivery,
    private readonly clusters: MemberClusters,
    private readonly access: HotplugAccess,
    @Inject(SERVICE_ENVIRONMENT) env: HotplugEnvironment,
  ) {
    this.clusterKinds = allowedClusterKinds(env);
  }

  /** Everyone signed in may list names; only those who may manage components see schemas and defaults. */
  async list(actor: Actor, limit: number, cursor: string | null): Promise<Page<ComponentView | { name: string }>> {
    const full = await this.access.mayManage(actor);
    const entries = (await this.catalog.all()).filter((entry) => cursor === null || entry.definition.name > cursor);
    const page = entries.slice(0, limit);
    const views = full ? await Promise.all(page.map((entry) => this.view(entry))) : page.map((entry) => ({ name: entry.definition.name }));
    return { items: views, nextCursor: entries.length > limit ? (page[page.length - 1]?.definition.name ?? null) : null };
  }

  async get(actor: Actor, name: string): Promise<ComponentView> {
    await this.access.requireManage(actor, `component "${name}"`, undefined, name);
    return this.view(await this.catalog.require(name));
  }

  async create(actor: Actor, payload: CustomComponentPayload): Promise<ComponentView> {
    await this.access.requireManage(actor, 'component catalog');
    const bundle = unpack(payload.bundleGzip);
    const objects = checkBundle(bundle, { allowedClusterKinds: this.clusterKinds });
    if (BUILT_IN_COMPONENTS.has(payload.name))
      throw new CubeError('CONFLICT', `component "${payload.name}" is built in`, { component: payload.name });
    const saved = await this.events.transaction(async (tx) => {
      const repo = this.catalog.customRepository(tx);
      if (await repo.findOneBy({ name: payload.name }))
        throw new CubeError('CONFLICT', `component "${payload.name}" exists`, { component: payload.name });
      const row = await repo.save({
        name: payload.name,
        namespace: payload.namespace,
        description: payload.description ?? '',
        bundle,
        bundleSha256: bundleSha256(bundle),
        objects,
        createdBy: actor.name,
        createdAt: new Date(),
        updatedAt: new Date(),
        version: 1,
      });
      await this.events.component(tx, actor, 'created', { name: row.name, version: row.version, data: summary(row) });
      return row;
    });
    return this.view((await this.catalog.require(saved.name)) satisfies CatalogEntry);
  }

  async replace(actor: Actor, name: string, payload: CustomComponentPayload): Promise<ComponentView> {
    await this.access.requireManage(actor, `component "${name}"`, undefined, name);
    const entry = await this.catalog.require(name);
    if (entry.kind === 'built-in')
      throw new CubeError('CONFLICT', `component "${name}" is built in; only custom components are replaced`, { component: name });
    const bundle = unpack(payload.bundleGzip);
    const objects = checkBundle(bundle, { allowedClusterKinds: this.clusterKinds });
    await this.events.transaction(async (tx) => {
      const repo = this.catalog.customRepository(tx);
      const current = await repo.findOne({ where: { name }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw new CubeError('NOT_FOUND', `component "${name}" is not in the catalog`, { component: name });
      const row = await repo.save({
        ...current,
        namespace: payload.namespace,
        description: payload.description ?? current.description,
        bundle,
        bundleSha256: bundleSha256(bundle),
        objects,
        updatedAt: new Date(),
        version: current.version + 1,
      });
      await this.events.component(tx, actor, 'updated', { name, version: row.version, data: summary(row) });
    });
    await this.delivery.deliverComponent(name, this.clusters.clusters);
    return this.view(await this.catalog.require(name));
  }

  /** 409 while the component is enabled by default or in any cluster's override. */
  async delete(actor: Actor, name: string): Promise<void> {
    await this.access.requireManage(actor, `component "${name}"`, undefined, name);
    const entry = await this.catalog.require(name);
    if (entry.kind === 'built-in')
      throw new CubeError('CONFLICT', `component "${name}" is built in and cannot be deleted`, { component: name });
    const enabledIn = (await this.configuration.overridesOfComponent(name)).filter((o) => o.enabled === true).map((o) => o.cluster);
    if ((await this.configuration.defaults(name))?.enabled || enabledIn.length > 0) {
      throw new CubeError(
        'CONFLICT',
        `component "${name}" is enabled${enabledIn.length ? ` in ${enabledIn.join(', ')}` : ' by default'}; disable it first`,
        { component: name, clusters: enabledIn },
      );
    }
    await this.events.transaction(async (tx) => {
      const repo = this.catalog.customRepository(tx);
      const current = await repo.findOne({ where: { name }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw new CubeError('NOT_FOUND', `component "${name}" is not in the catalog`, { component: name });
      await repo.delete({ name });
      await this.configuration.forgetComponent(tx, name);
      await this.states.forgetComponent(tx, name);
      await this.events.component(tx, actor, 'deleted', { name, version: current.version + 1, data: summary(current) });
    });
    await this.delivery.withdrawComponent(name, this.clusters.clusters);
  }

  private async view({ definition, kind }: CatalogEntry): Promise<ComponentView> {
    const defaults = await this.configuration.defaults(definition.name);
    return {
      name: definition.name,
      displayName: definition.displayName,
      description: definition.description,
      version: definition.version,
      namespace: definition.namespace,
      kind,
      valuesSchema: definition.valuesSchema,
      defaults: { enabled: defaults?.enabled ?? false, values: defaults?.values ?? {} },
    };
  }
}

function summary(row: { name: string; namespace: string; description: string; objects: number; bundleSha256: string }) {
  return { name: row.name, namespace: row.namespace, description: row.description, objects: row.objects, bundleSha256: row.bundleSha256 };
}

/** The gateway gzips bundles (a NATS message holds 1 MiB); inflating stops past the 2 MiB limit. */
function unpack(bundleGzip: string): string {
  try {
    return gunzipSync(Buffer.from(bundleGzip, 'base64'), { maxOutputLength: MAX_BUNDLE_BYTES + 1 }).toString('utf8');
  } catch (error: unknown) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new CubeError('UNPROCESSABLE', `the bundle is larger than ${MAX_BUNDLE_BYTES} bytes (2 MiB)`, {
        fields: [{ field: 'bundle', problems: [`at most ${MAX_BUNDLE_BYTES} bytes (2 MiB)`] }],
      });
    }
    throw new CubeError('BAD_REQUEST', 'bundleGzip is not gzip data in base64', {
      fields: [{ field: 'bundleGzip', problems: ['must be gzip data in base64'] }],
    });
  }
}
