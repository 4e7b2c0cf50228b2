import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { COMPONENT_GENERATION_LABEL, COMPONENT_LABEL, hotplugKeyPrefix } from '@cube/contracts';
import { ComponentDefinition, ComponentValues } from '../catalog/component';
import { canonicalJson } from '../catalog/values';

/** What one cluster should run of one component. */
export interface EffectiveConfig {
  enabled: boolean;
  values: ComponentValues;
}

/**
 * The fingerprint of what a cluster is given: the component's version and, when enabled, its
 * values. Same fingerprint → same generation → same rendered bytes, so nothing is rewritten.
 */
export function configFingerprint(definition: ComponentDefinition, config: EffectiveConfig): string {
  const basis = config.enabled
    ? { component: definition.name, version: definition.version, values: config.values }
    : { component: definition.name, disabled: true };
  return createHash('sha256').update(canonicalJson(basis)).digest('hex');
}

/** NATS KV keys allow `-_/=.` and alphanumerics; a name's other characters (`:` in `system:…`) and dots are escaped as `=xx`. */
function keyPart(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, (char) => `=${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `hotplug.<component>.<kind>.<namespace or _>.<name>`: one key per object, stable across renders. */
export function objectKey(component: string, object: KubernetesObject): string {
  const namespace = object.metadata?.namespace ? keyPart(object.metadata.namespace) : '_';
  return `${hotplugKeyPrefix(component)}${keyPart((object.kind ?? '').toLowerCase())}.${namespace}.${keyPart(object.metadata?.name ?? '')}`;
}

/**
 * Renders a component for a cluster: its objects labelled with the component and the generation,
 * keys sorted inside every object (canonical JSON), in the builder's order (namespaces first).
 */
export function renderComponent(
  definition: ComponentDefinition,
  config: EffectiveConfig,
  cluster: string,
  generation: number,
): Map<string, KubernetesObject> {
  const rendered = new Map<string, KubernetesObject>();
  if (!config.enabled) return rendered;
  for (const object of definition.build(config.values, { cluster })) {
    const labelled: KubernetesObject = {
      ...object,
      metadata: {
        ...object.metadata,
        labels: { ...object.metadata?.labels, [COMPONENT_LABEL]: definition.name, [COMPONENT_GENERATION_LABEL]: String(generation) },
      },
    };
    rendered.set(objectKey(definition.name, labelled), JSON.parse(canonicalJson(labelled)) as KubernetesObject);
  }
  return rendered;
}
