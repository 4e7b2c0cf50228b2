import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, Namespace, Project, QuotaChange, Tenant } from '@cube/contracts';
import { EventPublisher, ServiceEventOutbox } from '@cube/messaging';
import { inTransaction } from './transactions';

type Change = 'created' | 'updated' | 'deleted';

/**
 * The tenancy events of the catalogue (`cube.events.tenancy.*`), written into tenancy's outbox in the
 * transaction of the change (`tx`) and relayed to CUBE_EVENTS once it committed.
 */
@Injectable()
export class TenancyEvents extends ServiceEventOutbox<EntityManager> {
  constructor(
    private readonly dataSource: DataSource,
    publisher: EventPublisher,
  ) {
    super(dataSource, publisher, 'tenancy');
  }

  /** Tenancy's transactions retry deadlocks and serialization failures (`inTransaction`); events leave after the commit. */
  override transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return super.transaction(work, (w) => inTransaction(this.dataSource, w));
  }

  async tenant(tx: EntityManager, actor: Actor, event: Change, tenant: Tenant): Promise<void> {
    await this.add(tx, { actor, entityKind: 'tenant', event, entity: { kind: 'Tenant', name: tenant.name }, version: tenant.version, data: tenant });
  }

  async project(tx: EntityManager, actor: Actor, event: Change, project: Project): Promise<void> {
    await this.add(tx, {
      actor,
      entityKind: 'project',
      event,
      entity: { kind: 'Project', name: project.name, tenant: project.tenant },
      version: project.version,
      data: project,
    });
  }

  async namespace(tx: EntityManager, actor: Actor, event: Change, namespace: Namespace): Promise<void> {
    await this.add(tx, {
      actor,
      entityKind: 'namespace',
      event,
      entity: { kind: 'Namespace', name: namespace.name, cluster: namespace.cluster, tenant: namespace.tenant, project: namespace.project },
      version: namespace.version,
      data: namespace,
    });
  }

  async quota(tx: EntityManager, actor: Actor, change: QuotaChange, version: number): Promise<void> {
    const name = change.level === 'tenant' ? change.tenant : (change.namespace ?? '');
    await this.add(tx, {
      actor,
      entityKind: 'quota',
      event: 'changed',
      entity: { kind: 'Quota', name, level: change.level, tenant: change.tenant, cluster: change.cluster },
      version,
      data: change,
    });
  }
}
