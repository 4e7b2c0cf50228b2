import { Injectable } from '@nestjs/common';
import { Actor, Namespace, Project, QuotaChange, Tenant } from '@cube/contracts';
import { EventPublisher } from '@cube/messaging';
import { LedgerPublisher } from '../quota/ledger-publisher';

type Change = 'created' | 'updated' | 'deleted';

/** The tenancy events of the catalogue (`cube.events.tenancy.*`), published after the change committed. */
@Injectable()
export class TenancyEvents {
  constructor(
    private readonly events: EventPublisher,
    private readonly ledger: LedgerPublisher,
  ) {}

  async tenant(actor: Actor, event: Change, tenant: Tenant): Promise<void> {
    await this.events.publish({ actor, entityKind: 'tenant', event, entity: { kind: 'Tenant', name: tenant.name }, version: tenant.version, data: tenant });
    if (event === 'deleted') await this.ledger.forgetTenant(tenant.name);
  }

  async project(actor: Actor, event: Change, project: Project): Promise<void> {
    await this.events.publish({
      actor,
      entityKind: 'project',
      event,
      entity: { kind: 'Project', name: project.name, tenant: project.tenant },
      version: project.version,
      data: project,
    });
  }

  async namespace(actor: Actor, event: Change, namespace: Namespace): Promise<void> {
    await this.events.publish({
      actor,
      entityKind: 'namespace',
      event,
      entity: { kind: 'Namespace', name: namespace.name, cluster: namespace.cluster, tenant: namespace.tenant, project: namespace.project },
      version: namespace.version,
      data: namespace,
    });
    // Warden's quota webhook knows a namespace's tenant from the ledger (issue #7).
    await this.ledger.publish(namespace.tenant, namespace.cluster);
  }

  async quota(actor: Actor, change: QuotaChange, version: number): Promise<void> {
    const name = change.level === 'tenant' ? change.tenant : (change.namespace ?? '');
    await this.events.publish({
      actor,
      entityKind: 'quota',
      event: 'changed',
      entity: { kind: 'Quota', name, level: change.level, tenant: change.tenant, cluster: change.cluster },
      version,
      data: change,
    });
    await this.ledger.publish(change.tenant, change.cluster);
  }
}
