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
  Envelope,
  HotplugSubjects,
  IsDnsLabel,
  MAX_BUNDLE_BYTES,
  Page,
  PageQuery,
} from '@cube/contracts';
import { validatePayload } from '@cube/messaging';
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
  list(@Payload() envelope: Envelope): Promise<Page<ComponentView | { name: string }>> {
    const page = validatePayload(PageQuery, envelope.payload);
    return this.components.list(envelope.actor, page.limit ?? 50, page.cursor ?? null);
  }

  @MessagePattern(HotplugSubjects.componentGet)
  get(@Payload() envelope: Envelope): Promise<ComponentView> {
    return this.components.get(envelope.actor, validatePayload(ComponentRef, envelope.payload).component);
  }

  @MessagePattern(HotplugSubjects.componentCreate)
  // The target names the component only: the bundle stays out of the audit trail.
  @Audited({ action: 'hotplug.component.create', target: componentTarget })
  create(@Payload() envelope: Envelope): Promise<ComponentView> {
    return this.components.create(envelope.actor, validatePayload(CustomComponentPayloadDto, envelope.payload));
  }

  @MessagePattern(HotplugSubjects.componentReplace)
  @Audited({ action: 'hotplug.component.replace', target: componentTarget })
  replace(@Payload() envelope: Envelope): Promise<ComponentView> {
    const { component, body } = validatePayload(ReplaceComponentPayload, envelope.payload);
    return this.components.replace(envelope.actor, component, body);
  }

  @MessagePattern(HotplugSubjects.componentDelete)
  @Audited({ action: 'hotplug.component.delete', target: componentTarget })
  async delete(@Payload() envelope: Envelope): Promise<null> {
    await this.components.delete(envelope.actor, validatePayload(ComponentRef, envelope.payload).component);
    return null;
  }

  @MessagePattern(HotplugSubjects.defaultsGet)
  defaults(@Payload() envelope: Envelope): Promise<ComponentDefaults> {
    return this.configuration.defaults(envelope.actor, validatePayload(ComponentRef, envelope.payload).component);
  }

  @MessagePattern(HotplugSubjects.defaultsSet)
  @Audited({ action: 'hotplug.defaults.set', target: componentTarget })
  setDefaults(@Payload() envelope: Envelope): Promise<ComponentDefaults> {
    const { component, body } = validatePayload(DefaultsPayload, envelope.payload);
    return this.configuration.setDefaults(envelope.actor, component, body);
  }

  @MessagePattern(HotplugSubjects.clusterComponents)
  clusterComponents(@Payload() envelope: Envelope): Promise<{ items: ClusterComponentView[] }> {
    return this.configuration.clusterComponents(envelope.actor, validatePayload(ClusterRef, envelope.payload).cluster, envelope.requestId);
  }

  @MessagePattern(HotplugSubjects.overrideSet)
  @Audited({ action: 'hotplug.override.set', target: clusterComponentTarget })
  setOverride(@Payload() envelope: Envelope): Promise<ClusterComponentView> {
    const { cluster, component, body } = validatePayload(OverridePayload, envelope.payload);
    return this.configuration.setOverride(envelope.actor, cluster, component, body, envelope.requestId);
  }

  @MessagePattern(HotplugSubjects.overrideDelete)
  @Audited({ action: 'hotplug.override.delete', target: clusterComponentTarget })
  deleteOverride(@Payload() envelope: Envelope): Promise<ClusterComponentView> {
    const { cluster, component } = validatePayload(ClusterComponentRef, envelope.payload);
    return this.configuration.deleteOverride(envelope.actor, cluster, component, envelope.requestId);
  }
}
