import { Actor, ClustersSubjects, CubeError, Envelope, IdentitySubjects, RoleBinding, TenancySubjects } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { ClusterReach } from './cluster-reach';

const alice: Actor = { kind: 'user', name: 'alice', groups: ['dev'] };

/** The three services as far as ClusterReach asks them, with two-item pages so paging is exercised. */
function servicesWith(options: {
  bindings: Pick<RoleBinding, 'scope'>[];
  clusters: string[];
  namespaces: { name: string; cluster: string }[];
}) {
  const asked: string[] = [];
  const page = <T>(items: T[], cursor: string | undefined) => {
    const start = cursor ? Number(cursor) : 0;
    const next = start + 2 < items.length ? String(start + 2) : null;
    return { items: items.slice(start, start + 2), nextCursor: next };
  };
  const bus = {
    request: async (subject: string, envelope: Envelope<Record<string, unknown>>) => {
      asked.push(subject);
      const payload = envelope.payload;
      switch (subject) {
        case IdentitySubjects.me:
          return { user: { name: 'alice' }, bindings: options.bindings, rules: [] };
        case ClustersSubjects.list:
          return page(
            options.clusters.map((name) => ({ name })),
            payload['cursor'] as string | undefined,
          );
        case ClustersSubjects.get: {
          const name = String(payload['name']);
          if (!options.clusters.includes(name)) throw new CubeError('NOT_FOUND', `cluster "${name}" not found`);
          return { name };
        }
        case TenancySubjects.namespaceList: {
          const cluster = payload['cluster'] as string | undefined;
          return page(
            options.namespaces.filter((ns) => !cluster || ns.cluster === cluster),
            payload['cursor'] as string | undefined,
          );
        }
        default:
          throw new Error(`unexpected subject ${subject}`);
      }
    },
  } as unknown as ServiceRequester;
  return { reach: new ClusterReach(bus), asked };
}

describe('ClusterReach', () => {
  const namespaces = [
    { name: 'web-a', cluster: 'a' },
    { name: 'web-c1', cluster: 'c' },
    { name: 'web-c2', cluster: 'c' },
    // A namespace in a cluster that is no longer registered reaches nothing.
    { name: 'old', cluster: 'gone' },
  ];

  it("reaches the registered clusters holding the caller's namespaces, with the namespace when it is the only one", async () => {
    const { reach } = servicesWith({
      bindings: [{ scope: { kind: 'project', tenant: 't', project: 'p' } }],
      clusters: ['a', 'b', 'c'],
      namespaces,
    });
    expect(await reach.all(alice, 'r1')).toEqual([{ name: 'a', namespace: 'web-a' }, { name: 'c' }]);
    expect(await reach.one(alice, 'r1', 'a')).toEqual({ name: 'a', namespace: 'web-a' });
    expect(await reach.one(alice, 'r1', 'b')).toBeNull();
  });

  it('reaches every registered cluster through a platform-scope binding, without a default namespace', async () => {
    const { reach } = servicesWith({ bindings: [{ scope: { kind: 'platform' } }], clusters: ['a', 'b', 'c'], namespaces });
    expect(await reach.all(alice, 'r1')).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    expect(await reach.one(alice, 'r1', 'b')).toEqual({ name: 'b' });
  });

  it('passes on NOT_FOUND for a cluster that is not registered, before asking anything else', async () => {
    const { reach, asked } = servicesWith({ bindings: [{ scope: { kind: 'platform' } }], clusters: ['a'], namespaces });
    await expect(reach.one(alice, 'r1', 'zz')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(asked).toEqual([ClustersSubjects.get]);
  });
});
