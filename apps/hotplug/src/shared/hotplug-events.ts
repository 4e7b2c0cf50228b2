import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, ComponentPhase } from '@cube/contracts';
import { EventPublisher, ServiceEventOutbox } from '@cube/messaging';

const SYSTEM_ACTOR: Actor = { kind: 'system', name: 'cube-hotplug' };

/**
 * The hotplug events of the catalogue (`cube.events.hotplug.component.*`), written into hotplug's
 * outbox in the transaction of the change and relayed to CUBE_EVENTS once it committed.
 */
@Injectable()
export class HotplugEvents extends ServiceEventOutbox<EntityManager> {
  constructor(dataSource: DataSource, publisher: EventPublisher) {
    super(dataSource, publisher, 'hotplug');
  }

  async component(
    tx: EntityManager,
    actor: Actor,
    event: 'created' | 'updated' | 'deleted',
    component: { name: string; version: number; data: unknown },
  ): Promise<void> {
    await this.add(tx, {
      actor,
      entityKind: 'component',
      event,
      entity: { kind: 'HotplugComponent', name: component.name },
      version: component.version,
      data: component.data,
    });
  }

  async defaultsChanged(
    tx: EntityManager,
    actor: Actor,
    defaults: { component: string; enabled: boolean; values: Record<string, unknown>; version: number },
  ): Promise<void> {
    await this.add(tx, {
      actor,
      entityKind: 'component',
      event: 'defaults-changed',
      entity: { kind: 'HotplugComponent', name: defaults.component },
      version: defaults.version,
      data: defaults,
    });
  }

  async overrideChanged(
    tx: EntityManager,
    actor: Actor,
    change: { cluster: string; component: string; version: number; data: unknown },
  ): Promise<void> {
    await this.add(tx, {
      actor,
      entityKind: 'component',
      event: 'override-changed',
      entity: { kind: 'HotplugComponent', name: change.component, cluster: change.cluster },
      version: change.version,
      data: change.data,
    });
  }

  async phaseChanged(
    tx: EntityManager,
    change: {
      cluster: string;
      component: string;
      from: ComponentPhase | null;
      to: ComponentPhase;
      message: string;
      observedGeneration: number | null;
      generation: number;
    },
  ): Promise<void> {
    await this.add(tx, {
      actor: SYSTEM_ACTOR,
      entityKind: 'component',
      event: 'phase-changed',
      entity: { kind: 'HotplugComponent', name: change.component, cluster: change.cluster },
      version: change.generation,
      data: change,
    });
  }
}
