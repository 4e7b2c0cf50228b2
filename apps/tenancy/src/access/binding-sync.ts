import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CubeEvent, eventSubject, IdentitySubjects, Page, RoleBinding } from '@cube/contracts';
import { DurableSubscribers, RecentEventIds, ServiceBus } from '@cube/messaging';
import { DesiredStateWriter } from '../desired-state/desired-state-writer';
import { MemberClusters } from '../desired-state/member-clusters';
import { HierarchyRepository, toNamespace } from '../hierarchy/hierarchy.repository';
import { StartupRetry } from '../shared/startup-retry';
import { RoleBindingsProjection } from './role-bindings.projection';

/** ListRoleBindingsQuery's largest page. */
const SNAPSHOT_PAGE = 500;
const SNAPSHOT_TIMEOUT_MS = 5000;

/**
 * Keeps the binding projection current: a durable JetStream consumer of identity's binding events
 * (at least once, so handling is idempotent), plus a full snapshot asked from identity over NATS at
 * start, which covers events older than the stream keeps. Each change also updates the clusters'
 * desired state: RoleBindings in the namespaces a tenant or project binding reaches, a
 * ClusterRoleBinding in every registered cluster for a platform binding.
 */
@Injectable()
export class BindingSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BindingSync.name);
  private readonly retry = new StartupRetry(this.logger, 'resynchronise role bindings from identity');

  constructor(
    private readonly projection: RoleBindingsProjection,
    private readonly hierarchy: HierarchyRepository,
    private readonly desired: DesiredStateWriter,
    private readonly members: MemberClusters,
    private readonly subscribers: DurableSubscribers,
    private readonly bus: ServiceBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const subscriber = this.subscribers.create<CubeEvent<RoleBinding>>({
      durableName: 'tenancy-role-bindings',
      filterSubjects: eventSubject('identity', 'binding', '*'),
      maxDeliver: -1,
      recentIds: new RecentEventIds(),
    });
    await subscriber.start((event) => this.apply(event));
    // Identity may start after tenancy: the snapshot is retried in the background until it answers.
    this.retry.run(() => this.resync());
  }

  onApplicationShutdown(): void {
    this.retry.stop();
  }

  private async apply(event: CubeEvent<RoleBinding>): Promise<void> {
    const binding = event.data;
    if (event.type === 'identity.binding.created') {
      if (await this.projection.created(binding)) await this.reached(binding, 'add');
    } else if (event.type === 'identity.binding.deleted') {
      if (await this.projection.deleted(binding)) await this.reached(binding, 'remove');
    }
  }

  private async resync(): Promise<void> {
    const requestedAt = new Date();
    const snapshot = await this.allBindings();
    const { added, removed } = await this.projection.reconcile(snapshot, requestedAt);
    for (const binding of added) await this.reached(binding, 'add');
    for (const binding of removed) await this.reached(binding, 'remove');
    this.logger.log(
      { bindings: snapshot.length, added: added.length, removed: removed.length },
      'role bindings resynchronised from identity',
    );
  }

  /**
   * Identity's whole binding list as the system, page by page (a first page alone would leave the
   * rest out of the snapshot, and reconcile would tombstone them).
   */
  private async allBindings(): Promise<RoleBinding[]> {
    const items: RoleBinding[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<RoleBinding> = await this.bindingPage(cursor);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  private bindingPage(cursor: string | null): Promise<Page<RoleBinding>> {
    const payload = { limit: SNAPSHOT_PAGE, ...(cursor ? { cursor } : {}) };
    return this.bus.requestAsSystem(IdentitySubjects.bindingList, payload, {
      timeoutMs: SNAPSHOT_TIMEOUT_MS,
    });
  }

  private async reached(binding: RoleBinding, change: 'add' | 'remove'): Promise<void> {
    if (binding.scope.kind === 'platform') {
      // A ClusterRoleBinding in every registered cluster (nativeBindingPlacement).
      if (change === 'add') await this.members.platformBindingAdded(binding);
      else await this.members.platformBindingRemoved(binding);
      return;
    }
    const project = binding.scope.kind === 'project' ? binding.scope.project : undefined;
    const namespaces = (await this.hierarchy.namespacesOf(binding.scope.tenant, project)).map(toNamespace);
    if (change === 'add') await this.desired.addBinding(binding, namespaces);
    else await this.desired.removeBinding(binding, namespaces);
  }
}
