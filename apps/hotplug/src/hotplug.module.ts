import { Module } from '@nestjs/common';
import { PlatformAbilities } from '@cube/service-runtime';
import { Catalog } from './catalog/catalog';
import { ComponentsService } from './catalog/components.service';
import { ConfigurationRepository } from './configuration/configuration.repository';
import { ConfigurationService } from './configuration/configuration.service';
import { ComponentDelivery } from './delivery/component-delivery';
import { MemberClusters } from './delivery/member-clusters';
import { HotplugHandler } from './hotplug.handler';
import { HotplugAccess } from './shared/hotplug-access';
import { HotplugEvents } from './shared/hotplug-events';
import { ServiceBusModule } from '@cube/messaging';
import { ClusterComponentsRepository } from './status/cluster-components.repository';
import { ComponentStatus } from './status/component-status';

/** Optional components per cluster: the catalog, defaults and overrides, delivery through desired state, phases. */
@Module({
  imports: [ServiceBusModule.forService('hotplug')],
  controllers: [HotplugHandler],
  providers: [
    PlatformAbilities,
    HotplugAccess,
    HotplugEvents,
    Catalog,
    ConfigurationRepository,
    ClusterComponentsRepository,
    ComponentDelivery,
    MemberClusters,
    ComponentsService,
    ConfigurationService,
    ComponentStatus,
  ],
})
export class HotplugModule {}
