import { Injectable } from '@nestjs/common';
import { Actor } from '@cube/contracts';
import { RoleBindingsProjection } from '../access/role-bindings.projection';
import { DesiredStateWriter } from '../desired-state/desired-state-writer';
import { TenancyEvents } from '../shared/tenancy-events';
import { NamespaceRow, ProjectRow, toNamespace, toProject } from './hierarchy.repository';

/** After namespaces (and projects) were deleted in the database: their clusters' desired state and the events. */
@Injectable()
export class NamespaceRemoval {
  constructor(
    private readonly bindings: RoleBindingsProjection,
    private readonly desired: DesiredStateWriter,
    private readonly events: TenancyEvents,
  ) {}

  async afterDelete(actor: Actor, namespaces: NamespaceRow[], projects: ProjectRow[] = []): Promise<void> {
    for (const row of namespaces) {
      const namespace = { ...toNamespace(row), version: row.version + 1 };
      await this.desired.removeNamespace(namespace, await this.bindings.inTenant(row.tenant, row.project));
      await this.events.namespace(actor, 'deleted', namespace);
      if (row.quota) {
        await this.events.quota(actor, { level: 'namespace', tenant: row.tenant, cluster: row.cluster, project: row.project, namespace: row.name, hard: {} }, row.version + 1);
      }
    }
    for (const row of projects) await this.events.project(actor, 'deleted', { ...toProject(row), version: row.version + 1 });
  }
}
