import { CustomComponentEntity } from './catalog/custom/custom-component.entity';
import { ComponentDefaultsEntity, ComponentOverrideEntity } from './configuration/configuration.entities';
import { ClusterComponentEntity } from './status/cluster-component.entity';

/** Every TypeORM entity of the hotplug schema. */
export const entities = [CustomComponentEntity, ComponentDefaultsEntity, ComponentOverrideEntity, ClusterComponentEntity];
