import { makeEntry } from './audit-store.testing';
import { AuditStore, auditTrail } from './audit-store';

const ALL = { visibility: { all: true as const } };

export interface StoreUnderTest {
  store: AuditStore;
  /** Changes one stored field of a record behind the store's back, as an attacker with database access would. */
  tamper(id: string): Promise<void>;
}

/**
 * The behaviour every AuditStore shares (PostgreSQL and Elasticsearch run the same cases). Each
 * case uses users of its own, so the cases can share one store.
 */
export function auditStoreContract(subject: () => StoreUnderTest): void {
  const user = (name: string) => ({ user: name, groups: [], sourceIP: null, userAgent: null });

  it('stores a record once however often it is appended', async () => {
    const { store } = subject();
    const one = makeEntry({ actor: user('dup') });
    const two = makeEntry({ actor: user('dup'), time: '2025-04-01T00:00:00.000Z' });
    expect(await store.append([one, two, one])).toBe(2);
    expect(await store.append([one])).toBe(0);
    expect((await store.query({ ...ALL, user: 'dup' }, 10, null)).items.map((item) => item.id)).toEqual([one.id, two.id]);
  });

  it('filters, searches and pages newest first with a stable cursor', async () => {
    const { store } = subject();
    const base = Date.UTC(2026, 0, 10);
    const entries = Array.from({ length: 7 }, (_, i) =>
      makeEntry({
        time: new Date(base + Math.floor(i / 2) * 1000).toISOString(), // pairs share a time: the id breaks the tie
        actor: user('pager'),
        source: i % 2 ? 'kubernetes' : 'cube',
        action: i % 2 ? 'create' : 'tenant.create',
        target: { cluster: 'member-a', namespace: i === 3 ? 'payments' : 'web', resource: 'configmaps', name: `cm-${i}`, apiGroup: null },
        outcome: i === 5 ? { status: 'failure', code: 403, reason: 'Forbidden' } : { status: 'success', code: 201, reason: null },
      }),
    );
    await store.append(entries);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.query({ ...ALL, user: 'pager' }, 3, cursor);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    const expected = [...entries].sort((a, b) => (a.time === b.time ? (a.id < b.id ? 1 : -1) : a.time < b.time ? 1 : -1)).map((e) => e.id);
    expect(seen).toEqual(expected);
    const names = async (filter: object) =>
      (await store.query({ ...ALL, user: 'pager', ...filter }, 10, null)).items.map((e) => e.target.name);
    expect(await names({ namespace: 'payments' })).toEqual(['cm-3']);
    expect(await names({ outcome: 'failure' })).toEqual(['cm-5']);
    expect(await names({ source: 'kubernetes', verb: 'create' })).toHaveLength(3);
    expect(await names({ q: 'cm-4' })).toEqual(['cm-4']);
    expect(await names({ from: new Date(base + 1000).toISOString(), to: new Date(base + 2000).toISOString() })).toHaveLength(4);
    expect((await store.query({ visibility: { all: false, user: 'someone-else' }, user: 'pager' }, 10, null)).items).toEqual([]);
  });

  it('chains records in write order and verify names the first record edited afterwards', async () => {
    const { store, tamper } = subject();
    await store.append([makeEntry(), makeEntry()]);
    const target = makeEntry({ actor: user('mallory') });
    await store.append([target, makeEntry()]);
    expect(await store.verify(null, null)).toMatchObject({ ok: true });
    await tamper(target.id);
    const report = await store.verify(null, null);
    expect(report.ok).toBe(false);
    expect(report.firstBroken).toMatchObject({ id: target.id, reason: 'the record was changed after it was written' });
  });

  it("shows a tenant admin their own records, their namespaces' records and their members' platform actions only", async () => {
    const { store } = subject();
    const ns = (cluster: string, namespace: string) => ({ cluster, namespace, resource: 'configmaps', name: 'cm', apiGroup: null });
    const own = makeEntry({ actor: user('ta-admin'), action: 'project.create' });
    const inTenant = makeEntry({ source: 'kubernetes', actor: user('ta-native'), action: 'create', target: ns('c1', 'ta-ns') });
    const sameNameOtherCluster = makeEntry({ source: 'kubernetes', actor: user('ta-native'), action: 'create', target: ns('c2', 'ta-ns') });
    const otherTenant = makeEntry({ source: 'kubernetes', actor: user('ta-native'), action: 'create', target: ns('c1', 'tb-ns') });
    const memberAction = makeEntry({ actor: user('ta-member'), action: 'auth.login' });
    const memberNativeElsewhere = makeEntry({
      source: 'kubernetes',
      actor: user('ta-member'),
      action: 'create',
      target: ns('c1', 'tb-ns'),
    });
    const stranger = makeEntry({ actor: user('tb-member'), action: 'auth.login' });
    await store.append([own, inTenant, sameNameOtherCluster, otherTenant, memberAction, memberNativeElsewhere, stranger]);
    const visibility = {
      all: false as const,
      user: 'ta-admin',
      namespaces: [{ cluster: 'c1', namespace: 'ta-ns' }],
      members: ['ta-member'],
    };
    const ids = new Set((await store.query({ visibility }, 100, null)).items.map((item) => item.id));
    const expected = [own, inTenant, memberAction].map((entry) => entry.id);
    const hidden = [sameNameOtherCluster, otherTenant, memberNativeElsewhere, stranger].map((entry) => entry.id);
    expect(expected.filter((id) => !ids.has(id))).toEqual([]);
    expect(hidden.filter((id) => ids.has(id))).toEqual([]);
    // The other filters narrow within what is visible, never widen it.
    expect((await store.query({ visibility, user: 'tb-member' }, 10, null)).items).toEqual([]);
    expect((await store.query({ visibility, namespace: 'ta-ns' }, 10, null)).items.map((item) => item.id)).toEqual([inTenant.id]);
  });

  it("links a platform record and the member's own events of its request, within what the caller may see", async () => {
    const { store } = subject();
    const place = { cluster: 'trail-a', namespace: 'web', resource: 'configmaps', name: 'cm', apiGroup: null };
    const at = (ms: number) => new Date(Date.UTC(2026, 1, 3, 9, 0, 0, ms)).toISOString();
    const platform = makeEntry({
      time: at(0),
      source: 'kubernetes',
      actor: user('trail-alice'),
      action: 'create',
      target: place,
      requestId: 'trail-req-1',
    });
    const native = makeEntry({
      time: at(5),
      source: 'kubernetes',
      actor: user('trail-alice'),
      action: 'create',
      target: place,
      requestId: 'audit-1',
      platformRequestId: 'trail-req-1',
    });
    const retried = makeEntry({
      time: at(9),
      source: 'kubernetes',
      actor: user('trail-alice'),
      action: 'create',
      target: place,
      requestId: 'audit-2',
      platformRequestId: 'trail-req-1',
    });
    // Same request id, but another user or another cluster: not the same request.
    const reused = makeEntry({
      time: at(6),
      source: 'kubernetes',
      actor: user('trail-mallory'),
      action: 'create',
      target: place,
      requestId: 'audit-3',
      platformRequestId: 'trail-req-1',
    });
    const elsewhere = makeEntry({
      time: at(7),
      source: 'kubernetes',
      actor: user('trail-alice'),
      action: 'create',
      target: { ...place, cluster: 'trail-b' },
      requestId: 'audit-4',
      platformRequestId: 'trail-req-1',
    });
    const unrelated = makeEntry({
      time: at(8),
      source: 'kubernetes',
      actor: user('trail-alice'),
      action: 'create',
      target: place,
      requestId: 'audit-5',
    });
    await store.append([platform, native, retried, reused, elsewhere, unrelated]);
    const ids = (entries: { id: string }[]) => entries.map((entry) => entry.id);

    const fromPlatform = await auditTrail(store, platform.id, ALL.visibility);
    expect(fromPlatform?.record).toMatchObject({ id: platform.id, requestId: 'trail-req-1' });
    expect('platformRequestId' in (fromPlatform?.record ?? {})).toBe(false);
    expect(ids(fromPlatform?.linked ?? [])).toEqual([native.id, retried.id]);
    expect(fromPlatform?.linked[0]).toMatchObject({ requestId: 'audit-1', platformRequestId: 'trail-req-1' });

    const fromMember = await auditTrail(store, native.id, ALL.visibility);
    expect(ids(fromMember?.linked ?? [])).toEqual([platform.id]);
    expect((await auditTrail(store, unrelated.id, ALL.visibility))?.linked).toEqual([]);

    // The same visibility as the list: the record itself hidden is no record; linked records are filtered too.
    expect(await auditTrail(store, platform.id, { all: false, user: 'trail-mallory' })).toBeNull();
    expect(await auditTrail(store, 'no-such-record', ALL.visibility)).toBeNull();
    const own = await auditTrail(store, platform.id, { all: false, user: 'trail-alice' });
    expect(ids(own?.linked ?? [])).toEqual([native.id, retried.id]);
  });

  it('refuses a cursor it did not make', async () => {
    await expect(subject().store.query(ALL, 10, 'not-a-cursor')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
}
