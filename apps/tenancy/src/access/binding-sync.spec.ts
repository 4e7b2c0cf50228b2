import { JSONCodec, NatsConnection } from 'nats';
import { IdentitySubjects, Page, RoleBinding } from '@cube/contracts';
import { DurableSubscribers } from '@cube/messaging';
import { DesiredStateWriter } from '../desired-state/desired-state-writer';
import { MemberClusters } from '../desired-state/member-clusters';
import { HierarchyRepository } from '../hierarchy/hierarchy.repository';
import { BindingSync } from './binding-sync';
import { RoleBindingsProjection } from './role-bindings.projection';

const codec = JSONCodec<unknown>();

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

/** Identity's binding list over NATS, `pageSize` per page whatever the caller asks, cursor = next index. */
function identityServing(bindings: RoleBinding[], pageSize: number): { nats: NatsConnection; subjects: string[] } {
  const subjects: string[] = [];
  const request = async (subject: string, data: Uint8Array) => {
    subjects.push(subject);
    const { data: envelope } = codec.decode(data) as { data: { payload: { cursor?: string } } };
    const start = Number(envelope.payload.cursor ?? 0);
    const end = start + pageSize;
    const response: Page<RoleBinding> = { items: bindings.slice(start, end), nextCursor: end < bindings.length ? String(end) : null };
    return { data: codec.encode({ response }) };
  };
  return { nats: { request } as unknown as NatsConnection, subjects };
}

describe('BindingSync', () => {
  it('reconciles the projection with every page of identity\'s binding list, not the first only', async () => {
    const bindings = Array.from({ length: 7 }, (_, index) => binding(index));
    const { nats, subjects } = identityServing(bindings, 3);
    let snapshot!: (bindings: RoleBinding[]) => void;
    const reconciled = new Promise<RoleBinding[]>((resolve) => (snapshot = resolve));
    const projection = {
      reconcile: async (given: RoleBinding[]) => {
        snapshot(given);
        return { added: [], removed: [] };
      },
    } as unknown as RoleBindingsProjection;
    const subscribers = { create: () => ({ start: async () => undefined }) } as unknown as DurableSubscribers;
    const sync = new BindingSync(projection, {} as HierarchyRepository, {} as DesiredStateWriter, {} as MemberClusters, subscribers, nats);

    await sync.onApplicationBootstrap();
    try {
      expect((await reconciled).map((each) => each.id)).toEqual(bindings.map((each) => each.id));
      expect(subjects).toEqual([IdentitySubjects.bindingList, IdentitySubjects.bindingList, IdentitySubjects.bindingList]);
    } finally {
      sync.onApplicationShutdown();
    }
  });
});
