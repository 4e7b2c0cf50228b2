import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '@cube/contracts';
import { RoleBindingsProjection } from '../access/role-bindings.projection';
import { DesiredStateWriter } from '../desired-state/desired-state-writer';
import { TenancyEvents } from '../shared/tenancy-events';
import { toNamespace, toProject } from './hierarchy.repository';
import { NamespaceEntity } from './namespace.entity';
import { ProjectEntity } from './project.entity';

/** Namespaces (and projects) deleted: their events with the deletion, their clusters' desired state after it. */
@Injectable()
export class NamespaceRemoval {
  constructor(
    private readonly bindings: RoleBindingsProjection,
    private readonly desired: DesiredStateWriter,
    private readonly events: TenancyEvents,
  ) {}

  /** In the deleting transaction `tx`: the deleted events, and a freed quota share's change. */
  async announce(tx: EntityManager, actor: Actor, namespaces: NamespaceEntity[], projects: ProjectEntity[] = []): Promise<void> {
    for (const row of namespaces) {
      await this.events.namespace(tx, actor, 'deleted', { ...toNamespace(row), version: row.version + 1 });
      if (row.quota) {
        await this.events.quota(
          tx,
          actor,
          { level: 'namespace', tenant: row.tenant, cluster: row.cluster, project: row.project, namespace: row.name, hard: {} },
          row.version + 1,
        );
      }
    }
    for (const row of projects) await this.events.project(tx, actor, 'deleted', { ...toProject(row), version: row.version + 1 });
  }

  /** After the commit: the namespaces leave their clusters' desired state. */
  async afterDelete(namespaces: NamespaceEntity[]): Promise<void> {
    for (const row of namespaces) {
      const namespace = { ...toNamespace(row), version: row.version + 1 };
      await this.desired.removeNamespace(namespace, await this.bindings.inTenant(row.tenant, row.project));
    }
  }
}
