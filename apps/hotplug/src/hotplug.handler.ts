import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Type } from 'class-transformer';
import { IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import {
  ClusterComponentView,
  ComponentDefaults,
  ComponentDefaultsBody,
  ComponentOverrideBody,
  ComponentView,
  HotplugSubjects,
  IsDnsLabel,
  MAX_BUNDLE_BYTES,
  Page,
  PageQuery,
} from '@cube/contracts';
import { Actor, RequestId } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { ComponentsService } from './catalog/components.service';
import { ConfigurationService } from './configuration/configuration.service';

class ComponentRef {
  @IsDnsLabel() component!: string;
}

class ClusterRef {
  @IsDnsLabel() cluster!: string;
}

class ClusterComponentRef {
  @IsDnsLabel() cluster!: string;
  @IsDnsLabel() component!: string;
}

class CustomComponentPayloadDto {
  @IsDnsLabel() name!: string;
  @IsDnsLabel() namespace!: string;
  @IsOptional() @IsString() @MaxLength(2048) description?: string;
  // base64 of gzip: a 2 MiB bundle that does not compress is about 2.7 MiB of text, too much for NATS anyway.
  @IsString() @MaxLength(Math.ceil((MAX_BUNDLE_BYTES * 4) / 3) + 1024) bundleGzip!: string;
}

class ReplaceComponentPayload extends ComponentRef {
  @ValidateNested() @Type(() => CustomComponentPayloadDto) body!: CustomComponentPayloadDto;
}

class DefaultsPayload extends ComponentRef {
  @ValidateNested() @Type(() => ComponentDefaultsBody) body!: ComponentDefaultsBody;
}

class OverridePayload extends ClusterComponentRef {
  @ValidateNested() @Type(() => ComponentOverrideBody) body!: ComponentOverrideBody;
}

const componentTarget = (p: Record<string, unknown>) => ({ kind: 'HotplugComponent', name: String(p['component'] ?? p['name'] ?? '') });
const clusterComponentTarget = (p: Record<string, unknown>) => ({
  kind: 'HotplugComponent',
  name: String(p['component']),
  cluster: String(p['cluster']),
});

/** NATS handlers of the hotplug service: validate, hand to the services (which authorize the actor). */
@Controller()
export class HotplugHandler {
  constructor(
    private readonly components: ComponentsService,
    private readonly configuration: ConfigurationService,
  ) {}

  @MessagePattern(HotplugSubjects.componentList)
  list(@Payload('payload') page: PageQuery, @Actor() actor: Actor): Promise<Page<ComponentView | { name: string }>> {
    return this.components.list(actor, page.limit ?? 50, page.cursor ?? null);
  }

  @MessagePattern(HotplugSubjects.componentGet)
  get(@Payload('payload') { component }: ComponentRef, @Actor() actor: Actor): Promise<ComponentView> {
    return this.components.get(actor, component);
  }

  @MessagePattern(HotplugSubjects.componentCreate)
  // The target names the component only: the bundle stays out of the audit trail.
  @Audited({ action: 'hotplug.component.create', target: componentTarget })
  create(@Payload('payload') body: CustomComponentPayloadDto, @Actor() actor: Actor): Promise<ComponentView> {
    return this.components.create(actor, body);
  }

  @MessagePattern(HotplugSubjects.componentReplace)
  @Audited({ action: 'hotplug.component.replace', target: componentTarget })
  replace(@Payload('payload') { component, body }: ReplaceComponentPayload, @Actor() actor: Actor): Promise<ComponentView> {
    return this.components.replace(actor, component, body);
  }

  @MessagePattern(HotplugSubjects.componentDelete)
  @Audited({ action: 'hotplug.component.delete', target: componentTarget })
  async delete(@Payload('payload') { component }: ComponentRef, @Actor() actor: Actor): Promise<null> {
    await this.components.delete(actor, component);
    return null;
  }

  @MessagePattern(HotplugSubjects.defaultsGet)
  defaults(@Payload('payload') { component }: ComponentRef, @Actor() actor: Actor): Promise<ComponentDefaults> {
    return this.configuration.defaults(actor, component);
  }

  @MessagePattern(HotplugSubjects.defaultsSet)
  @Audited({ action: 'hotplug.defaults.set', target: componentTarget })
  setDefaults(@Payload('payload') { component, body }: DefaultsPayload, @Actor() actor: Actor): Promise<ComponentDefaults> {
    return this.configuration.setDefaults(actor, component, body);
  }

  @MessagePattern(HotplugSubjects.clusterComponents)
  clusterComponents(
    @Payload('payload') { cluster }: ClusterRef,
    @Actor() actor: Actor,
    @RequestId() requestId: string,
  ): Promise<{ items: ClusterComponentView[] }> {
    return this.configuration.clusterComponents(actor, cluster, requestId);
  }

  @MessagePattern(HotplugSubjects.overrideSet)
  @Audited({ action: 'hotplug.override.set', target: clusterComponentTarget })
  setOverride(
    @Payload('payload') { cluster, component, body }: OverridePayload,
    @Actor() actor: Actor,
    @RequestId() requestId: string,
  ): Promise<ClusterComponentView> {
    return this.configuration.setOverride(actor, cluster, component, body, requestId);
  }

  @MessagePattern(HotplugSubjects.overrideDelete)
  @Audited({ action: 'hotplug.override.delete', target: clusterComponentTarget })
  deleteOverride(
    @Payload('payload') { cluster, component }: ClusterComponentRef,
    @Actor() actor: Actor,
    @RequestId() requestId: string,
  ): Promise<ClusterComponentView> {
    return this.configuration.deleteOverride(actor, cluster, component, requestId);
  }
}
