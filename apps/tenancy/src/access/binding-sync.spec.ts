import { IdentitySubjects, Page, RoleBinding } from '@cube/contracts';
import { DurableSubscribers, ServiceBus } from '@cube/messaging';
import { DesiredStateWriter } from '../desired-state/desired-state-writer';
import { MemberClusters } from '../desired-state/member-clusters';
import { HierarchyRepository } from '../hierarchy/hierarchy.repository';
import { BindingSync } from './binding-sync';
import { RoleBindingsProjection } from './role-bindings.projection';

const binding = (index: number): RoleBinding => ({
  id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
  subject: { kind: 'User', name: `user-${index}` },
  role: 'viewer',
  scope: { kind: 'tenant', tenant: 'acme' },
  createdAt: '2026-01-01T00:00:00Z',
  createdBy: 'admin',
  origin: 'manual',
  version: 1,
});

/** Identity's binding list as the bus answers it, `pageSize` per page whatever the caller asks, cursor = next index. */
function identityServing(bindings: RoleBinding[], pageSize: number): { bus: ServiceBus; subjects: string[] } {
  const subjects: string[] = [];
  const requestAsSystem = async (subject: string, payload: { cursor?: string }) => {
    subjects.push(subject);
    const start = Number(payload.cursor ?? 0);
    const end = start + pageSize;
    const page: Page<RoleBinding> = { items: bindings.slice(start, end), nextCursor: end < bindings.length ? String(end) : null };
    return page;
  };
  return { bus: { requestAsSystem } as unknown as ServiceBus, subjects };
}

describe('BindingSync', () => {
  it("reconciles the projection with every page of identity's binding list, not the first only", async () => {
    const bindings = Array.from({ length: 7 }, (_, index) => binding(index));
    const { bus, subjects } = identityServing(bindings, 3);
    let snapshot!: (bindings: RoleBinding[]) => void;
    const reconciled = new Promise<RoleBinding[]>((resolve) => (snapshot = resolve));
    const projection = {
      reconcile: async (given: RoleBinding[]) => {
        snapshot(given);
        return { added: [], removed: [] };
      },
    } as unknown as RoleBindingsProjection;
    const subscribers = { create: () => ({ start: async () => undefined }) } as unknown as DurableSubscribers;
    const sync = new BindingSync(projection, {} as HierarchyRepository, {} as DesiredStateWriter, {} as MemberClusters, subscribers, bus);

    await sync.onApplicationBootstrap();
    try {
      expect((await reconciled).map((each) => each.id)).toEqual(bindings.map((each) => each.id));
      expect(subjects).toEqual(Array(3).fill(IdentitySubjects.bindingList));
    } finally {
      sync.onApplicationShutdown();
    }
  });
});
