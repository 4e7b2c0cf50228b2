import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, ClusterView } from '@cube/contracts';
import { EventPublisher, ServiceEventOutbox } from '@cube/messaging';
import { StatusTransition } from './clusters.repository';

const SYSTEM_ACTOR: Actor = { kind: 'system', name: 'cube-clusters' };

/**
 * The clusters events of the catalogue (`cube.events.clusters.cluster.*`), written into the clusters
 * outbox in the transaction of the change (`tx`) and relayed to CUBE_EVENTS once it committed.
 */
@Injectable()
export class ClusterEvents extends ServiceEventOutbox<EntityManager> {
  constructor(dataSource: DataSource, publisher: EventPublisher) {
    super(dataSource, publisher, 'clusters');
  }

  async registered(tx: EntityManager, actor: Actor, view: ClusterView): Promise<void> {
    await this.add(tx, {
      actor,
      entityKind: 'cluster',
      event: 'registered',
      entity: { kind: 'Cluster', name: view.name },
      version: view.version,
      data: view,
    });
  }

  async updated(tx: EntityManager, actor: Actor, view: ClusterView, kubeconfigReplaced: boolean): Promise<void> {
    await this.add(tx, {
      actor,
      entityKind: 'cluster',
      event: 'updated',
      entity: { kind: 'Cluster', name: view.name },
      version: view.version,
      data: { ...view, kubeconfigReplaced },
    });
  }

  /** `view` as it was before the DELETE; the event carries the next version. */
  async deleted(tx: EntityManager, actor: Actor, view: ClusterView, wardenRemoved: boolean): Promise<void> {
    await this.add(tx, {
      actor,
      entityKind: 'cluster',
      event: 'deleted',
      entity: { kind: 'Cluster', name: view.name },
      version: view.version + 1,
      data: { ...view, wardenRemoved },
    });
  }

  async statusChanged(tx: EntityManager, { cluster, from, to }: StatusTransition): Promise<void> {
    await this.add(tx, {
      actor: SYSTEM_ACTOR,
      entityKind: 'cluster',
      event: 'status-changed',
      entity: { kind: 'Cluster', name: cluster.name },
      version: cluster.version,
      data: { from, to, cluster },
    });
  }
}
