import { CubeError, Namespace } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { NamespacePlacements, PLACEMENTS_TTL_MS } from './namespace-placements';

const namespace = (name: string, tenant: string, project: string): Namespace => ({
  name,
  cluster: 'member-a',
  tenant,
  project,
  quota: null,
  createdBy: 'admin',
  createdAt: '2026-12-01T00:00:00.000Z',
  version: 1,
});

describe('NamespacePlacements', () => {
  let now: number;
  let listed: Namespace[];
  let request: jest.Mock;
  let placements: NamespacePlacements;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    listed = [namespace('acme-web', 'acme', 'web')];
    // Two pages, as tenancy answers a long list.
    request = jest.fn(async (_subject: string, envelope: { payload: { cluster: string; cursor?: string } }) =>
      envelope.payload.cursor
        ? { items: listed.slice(1), nextCursor: null }
        : { items: listed.slice(0, 1), nextCursor: listed.length > 1 ? 'next' : null },
    );
    placements = new NamespacePlacements({ request } as unknown as ServiceRequester);
  });

  afterEach(() => jest.restoreAllMocks());

  it("loads a cluster's namespaces once, as the gateway, every page, then answers from memory", async () => {
    listed.push(namespace('acme-api', 'acme', 'api'));
    expect(placements.cached('member-a', 'acme-web')).toBeUndefined();
    expect(await placements.of('member-a', 'acme-api', 'r1')).toEqual({ tenant: 'acme', project: 'api' });
    expect(placements.cached('member-a', 'acme-web')).toEqual({ tenant: 'acme', project: 'web' });
    expect(placements.cached('member-a', 'kube-system')).toBeNull();
    expect(request).toHaveBeenCalledTimes(2);
    expect(request.mock.calls[0]?.[1]).toMatchObject({ actor: { kind: 'system', name: 'gateway' }, payload: { cluster: 'member-a' } });
  });

  it('refreshes in the background once stale, still answering with what it has, and asks again after forget', async () => {
    await placements.of('member-a', 'acme-web', 'r1');
    now += PLACEMENTS_TTL_MS + 1;
    listed = [namespace('acme-web', 'acme', 'moved')];
    expect(placements.cached('member-a', 'acme-web')).toEqual({ tenant: 'acme', project: 'web' });
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(placements.cached('member-a', 'acme-web')).toEqual({ tenant: 'acme', project: 'moved' });
    placements.forget('member-a');
    expect(placements.cached('member-a', 'acme-web')).toBeUndefined();
  });

  it('answers null, not an error, when tenancy does not answer', async () => {
    request.mockRejectedValue(new CubeError('UNAVAILABLE', 'tenancy did not answer'));
    expect(await placements.of('member-a', 'acme-web', 'r1')).toBeNull();
    expect(placements.cached('member-a', 'acme-web')).toBeNull();
  });
});
