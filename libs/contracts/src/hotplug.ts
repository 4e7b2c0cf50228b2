import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsOptional, IsString } from 'class-validator';
import { OptionalDescription } from './dto-fields';
import { IsDnsLabel } from './tenancy-dto';

/**
 * Request-reply subjects of the hotplug service (optional components per cluster, issue #16).
 * Payloads travel inside an Envelope; path parameters travel beside the body.
 */
export const HotplugSubjects = {
  componentList: 'cube.hotplug.component.list', // PageRequest → Page<ComponentView | ComponentNameView>
  componentGet: 'cube.hotplug.component.get', // { component } → ComponentView
  componentCreate: 'cube.hotplug.component.create', // CustomComponentPayload → ComponentView
  componentReplace: 'cube.hotplug.component.replace', // { component, body: CustomComponentPayload } → ComponentView
  componentDelete: 'cube.hotplug.component.delete', // { component } → null
  defaultsGet: 'cube.hotplug.defaults.get', // { component } → ComponentDefaults
  defaultsSet: 'cube.hotplug.defaults.set', // { component, body: ComponentDefaultsBody } → ComponentDefaults
  clusterComponents: 'cube.hotplug.cluster.list', // { cluster } → { items: ClusterComponentView[] }
  overrideSet: 'cube.hotplug.override.set', // { cluster, component, body: ComponentOverrideBody } → ClusterComponentView
  overrideDelete: 'cube.hotplug.override.delete', // { cluster, component } → ClusterComponentView
} as const;

/** Labels on every object hotplug renders: which component it belongs to and which config generation made it. */
export const COMPONENT_LABEL = 'cube.io/component';
export const COMPONENT_GENERATION_LABEL = 'cube.io/component-generation';
/** Desired-state keys of a component: `hotplug.<component>.<kind>.<namespace>.<name>`. */
export const HOTPLUG_KEY_PREFIX = 'hotplug.';
export const hotplugKeyPrefix = (component: string) => `${HOTPLUG_KEY_PREFIX}${component}.`;

/** Largest custom bundle accepted (bytes of its YAML, UTF-8). */
export const MAX_BUNDLE_BYTES = 2 * 1024 * 1024;

export const COMPONENT_PHASES = ['disabled', 'pending', 'applying', 'running', 'degraded', 'failed'] as const;
export type ComponentPhase = (typeof COMPONENT_PHASES)[number];

export class CreateCustomComponentBody {
  @ApiProperty({ description: 'DNS label, unique in the catalog' }) @IsDnsLabel() name!: string;
  @ApiProperty({ description: 'namespace its namespaced objects go to when they name none' }) @IsDnsLabel() namespace!: string;
  @OptionalDescription() description?: string;
  @ApiProperty({
    description: 'multi-document YAML (e.g. `helm template` output); `{{cluster}}` is replaced by the cluster name; at most 2 MiB',
  })
  @IsString()
  bundle!: string;
}

export class ReplaceCustomComponentBody {
  @ApiProperty() @IsDnsLabel() namespace!: string;
  @OptionalDescription() description?: string;
  @ApiProperty({ description: 'multi-document YAML; at most 2 MiB' }) @IsString() bundle!: string;
}

/**
 * What the gateway sends for a custom component: the body with its bundle gzip-compressed and
 * base64-encoded, because a 2 MiB bundle would not fit in a NATS message (1 MiB by default).
 */
export interface CustomComponentPayload {
  name: string;
  namespace: string;
  description?: string;
  bundleGzip: string;
}

export class ComponentDefaultsBody {
  @ApiProperty() @IsBoolean() enabled!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'values, validated against the component schema' })
  @IsObject()
  values!: Record<string, unknown>;
}

export class ComponentOverrideBody {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'deep-merged over the defaults (maps merge, lists replace)',
  })
  @IsOptional()
  @IsObject()
  values?: Record<string, unknown>;
}

export interface ComponentDefaults {
  component: string;
  enabled: boolean;
  values: Record<string, unknown>;
  /** Bumped by every change of the defaults. */
  version: number;
}

export class ComponentDefaultsView implements ComponentDefaults {
  @ApiProperty() component!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true }) values!: Record<string, unknown>;
  @ApiProperty() version!: number;
}

export interface ComponentView {
  name: string;
  displayName: string;
  description: string;
  version: string;
  namespace: string;
  kind: 'built-in' | 'custom';
  valuesSchema: Record<string, unknown>;
  defaults: { enabled: boolean; values: Record<string, unknown> };
}

export class ComponentItemView implements ComponentView {
  @ApiProperty() name!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty() description!: string;
  @ApiProperty() version!: string;
  @ApiProperty() namespace!: string;
  @ApiProperty({ enum: ['built-in', 'custom'] }) kind!: 'built-in' | 'custom';
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'JSON Schema of the values' }) valuesSchema!: Record<
    string,
    unknown
  >;
  @ApiProperty({ type: 'object', properties: { enabled: { type: 'boolean' }, values: { type: 'object', additionalProperties: true } } })
  defaults!: { enabled: boolean; values: Record<string, unknown> };
}

/** One component in one cluster. Callers who may not change components see `name` and `phase` only. */
export interface ClusterComponentView {
  name: string;
  phase: ComponentPhase;
  enabled?: boolean;
  values?: Record<string, unknown>;
  version?: string;
  message?: string;
  /** Generation of the effective config: bumped by every change of its defaults or override. */
  generation?: number;
  /** Generation the cluster's Warden last reported as applied; null before any report. */
  observedGeneration?: number | null;
  source?: 'default' | 'override';
}

export class ClusterComponentItemView implements ClusterComponentView {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: COMPONENT_PHASES }) phase!: ComponentPhase;
  @ApiPropertyOptional() enabled?: boolean;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) values?: Record<string, unknown>;
  @ApiPropertyOptional() version?: string;
  @ApiPropertyOptional() message?: string;
  @ApiPropertyOptional() generation?: number;
  @ApiPropertyOptional({ nullable: true, type: Number }) observedGeneration?: number | null;
  @ApiPropertyOptional({ enum: ['default', 'override'] }) source?: 'default' | 'override';
}

export class ClusterComponentsView {
  @ApiProperty({ type: [ClusterComponentItemView] }) items!: ClusterComponentView[];
}

/**
 * Per component, what Warden saw in its cluster (sent in its heartbeat): each desired object
 * applied, failed (with the API server's message) or not yet tried, and its workloads' readiness.
 */
export interface ComponentReport {
  component: string;
  /** The config generation of the desired objects Warden holds (their COMPONENT_GENERATION_LABEL). */
  generation: number;
  objects: number;
  applied: number;
  failed: { key: string; message: string; reason?: string }[];
  workloads: WorkloadReadiness[];
}

export interface WorkloadReadiness {
  kind: 'Deployment' | 'DaemonSet' | 'StatefulSet';
  namespace: string;
  name: string;
  desired: number;
  ready: number;
  /** Whether the workload's controller has seen its latest spec (status.observedGeneration). */
  current: boolean;
}
