import { ComponentDefinition } from '../catalog/component';
import { deepMerge } from '../catalog/values';
import { EffectiveConfig } from '../delivery/rendering';
import { ComponentDefaultsEntity, ComponentOverrideEntity } from './configuration.entities';

export interface ResolvedConfig extends EffectiveConfig {
  source: 'default' | 'override';
}

/**
 * The catalog's values, then the platform defaults, then the cluster's override, deep-merged in
 * that order (maps merge, lists replace, the later wins); a component nobody enabled is disabled.
 */
export function effectiveConfig(
  definition: ComponentDefinition,
  defaults: Pick<ComponentDefaultsEntity, 'enabled' | 'values'> | null,
  override: Pick<ComponentOverrideEntity, 'enabled' | 'values'> | null,
): ResolvedConfig {
  const platform = deepMerge(definition.defaultValues, defaults?.values ?? {});
  return {
    enabled: override?.enabled ?? defaults?.enabled ?? false,
    values: deepMerge(platform, override?.values ?? {}),
    source: override ? 'override' : 'default',
  };
}
