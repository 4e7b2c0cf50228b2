import type { KubernetesObject } from '@kubernetes/client-node';

/** Values of a component: plain JSON, validated against its schema after defaults and override merged. */
export type ComponentValues = Record<string, unknown>;

/** What a manifest builder knows of the cluster it renders for. */
export interface RenderTarget {
  cluster: string;
}

/**
 * A component of the catalog (issue #16): a name (DNS label), a version, the namespace it installs
 * into, a JSON Schema for its values with their defaults, and a builder that turns `(values,
 * cluster)` into Kubernetes objects. A new built-in component is one folder under `catalog/`
 * exporting one of these, added to `BUILT_IN_COMPONENTS`.
 */
export interface ComponentDefinition {
  name: string;
  displayName: string;
  description: string;
  /** Semantic version of the component's manifests; part of what a cluster's config generation covers. */
  version: string;
  namespace: string;
  valuesSchema: Record<string, unknown>;
  defaultValues: ComponentValues;
  /** Pure and deterministic: the same values and cluster give the same objects in the same order. */
  build(values: ComponentValues, target: RenderTarget): KubernetesObject[];
}

/** Common labels of a component's objects (app.kubernetes.io conventions). */
export function componentLabels(component: string, part: string, version: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': part,
    'app.kubernetes.io/part-of': component,
    'app.kubernetes.io/version': version,
    'app.kubernetes.io/managed-by': 'cube-hotplug',
  };
}

/** A schema fragment for `{ cpu, memory }` requests/limits, as values may set them. */
export const RESOURCES_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    requests: { $ref: '#/$defs/resourceList' },
    limits: { $ref: '#/$defs/resourceList' },
  },
} as const;

export const SCHEMA_DEFS = {
  resourceList: {
    type: 'object',
    additionalProperties: false,
    properties: { cpu: { type: 'string', pattern: '^[0-9.]+m?$' }, memory: { type: 'string', pattern: '^[0-9]+(Ki|Mi|Gi|Ti|K|M|G|T)?$' } },
  },
  image: { type: 'string', minLength: 1, maxLength: 512, pattern: '^[^\\s]+$' },
} as const;
