import { randomBytes } from 'node:crypto';
import { ClusterConnection, ClusterStatus, CubeError } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { SecretBox } from '@cube/persistence';
import { GatewayEnvironment } from '../config/gateway-environment';
import { ClusterConnections, CONNECTION_TTL_MS } from './cluster-connections';
import { ProxyError } from './kube-status';

const KEY = randomBytes(32).toString('base64');
const box = SecretBox.fromBase64(KEY);

const kubeconfig = (token: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
    users: [{ name: 'u', user: { token } }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });

/** The clusters service as the gateway sees it over the bus: answers from a table it can change. */
function fakeClusters() {
  const clusters = new Map<string, { status: ClusterStatus; token: string; keyId?: string }>();
  const request = jest.fn(async (_subject: string, envelope: { payload: { name: string } }): Promise<ClusterConnection> => {
    const cluster = clusters.get(envelope.payload.name);
    if (!cluster) throw new CubeError('NOT_FOUND', `cluster "${envelope.payload.name}" not found`, {});
    return {
      name: envelope.payload.name,
      status: cluster.status,
      server: 'https://127.0.0.1:6443',
      version: 1,
      credentials: box.seal({ kubeconfig: kubeconfig(cluster.token) }),
      keyId: cluster.keyId ?? box.keyId,
    };
  });
  return { clusters, request, bus: { request } as unknown as ServiceRequester };
}

describe('ClusterConnections', () => {
  let now: number;
  let connections: ClusterConnections;
  let fake: ReturnType<typeof fakeClusters>;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    fake = fakeClusters();
    connections = new ClusterConnections(fake.bus, { CUBE_SECRET_KEY: KEY } as GatewayEnvironment);
  });

  afterEach(() => {
    connections.onApplicationShutdown();
    jest.restoreAllMocks();
  });

  it('hands out a loaded, fresh target at once, and nothing once it expired or was forgotten', async () => {
    fake.clusters.set('a', { status: 'normal', token: 'cube-token-a' });
    expect(connections.cached('a')).toBeUndefined();
    const loaded = await connections.target('a', 'r1');
    expect(connections.cached('a')).toBe(loaded);
    now += CONNECTION_TTL_MS;
    expect(connections.cached('a')).toBeUndefined();
    const reloaded = await connections.target('a', 'r2');
    expect(connections.cached('a')).toBe(reloaded);
    connections.forget('a');
    expect(connections.cached('a')).toBeUndefined();
    expect(connections.cached('unknown')).toBeUndefined();
  });

  it('asks the clusters service once and reuses the agent and the opened credential', async () => {
    fake.clusters.set('a', { status: 'normal', token: 'cube-token-a' });
    const first = await connections.target('a', 'r1');
    const second = await connections.target('a', 'r2');
    expect(fake.request).toHaveBeenCalledTimes(1);
    expect(fake.request.mock.calls[0]?.[1]).toMatchObject({ actor: { kind: 'system', name: 'gateway' }, payload: { name: 'a' } });
    expect(second.agent).toBe(first.agent);
    expect(first).toMatchObject({ name: 'a', status: 'normal', authorization: 'Bearer cube-token-a' });
    expect(first.server.href).toBe('https://127.0.0.1:6443/');
    expect(first.agent.options.keepAlive).toBe(true);
  });

  it('asks again after an event made it forget the cluster, with a new agent', async () => {
    fake.clusters.set('a', { status: 'normal', token: 'old' });
    const before = await connections.target('a', 'r1');
    fake.clusters.set('a', { status: 'normal', token: 'rotated' });
    connections.forget('a');
    const after = await connections.target('a', 'r2');
    expect(fake.request).toHaveBeenCalledTimes(2);
    expect(after.agent).not.toBe(before.agent);
    expect(after.authorization).toBe('Bearer rotated');
  });

  it('refreshes the status after the TTL but keeps the agent while the credentials are the same', async () => {
    fake.clusters.set('a', { status: 'normal', token: 't' });
    const before = await connections.target('a', 'r1');
    fake.clusters.set('a', { status: 'abnormal', token: 't' });
    now += CONNECTION_TTL_MS - 1;
    expect((await connections.target('a', 'r2')).status).toBe('normal');
    now += 2;
    const after = await connections.target('a', 'r3');
    expect(after.status).toBe('abnormal');
    expect(after.agent).toBe(before.agent);
    expect(fake.request).toHaveBeenCalledTimes(2);
  });

  it('takes a new agent after the TTL when the credentials changed', async () => {
    fake.clusters.set('a', { status: 'normal', token: 't1' });
    const before = await connections.target('a', 'r1');
    fake.clusters.set('a', { status: 'normal', token: 't2' });
    now += CONNECTION_TTL_MS + 1;
    const after = await connections.target('a', 'r2');
    expect(after.agent).not.toBe(before.agent);
    expect(after.authorization).toBe('Bearer t2');
  });

  it('does not cache a cluster that is not found', async () => {
    await expect(connections.target('ghost', 'r1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    fake.clusters.set('ghost', { status: 'normal', token: 't' });
    await expect(connections.target('ghost', 'r2')).resolves.toMatchObject({ name: 'ghost' });
  });

  it('answers 503 when the credentials are sealed with a key the gateway does not have', async () => {
    fake.clusters.set('a', { status: 'normal', token: 't', keyId: 'ffffffffffffffff' });
    const failure = connections.target('a', 'r1');
    await expect(failure).rejects.toBeInstanceOf(ProxyError);
    await expect(failure).rejects.toMatchObject({ status: 503, message: expect.stringContaining('ffffffffffffffff') });
  });

  it('answers 503 when the gateway has no key at all', async () => {
    const keyless = new ClusterConnections(fake.bus, {} as GatewayEnvironment);
    fake.clusters.set('a', { status: 'normal', token: 't' });
    await expect(keyless.target('a', 'r1')).rejects.toMatchObject({ status: 503, message: expect.stringContaining('CUBE_SECRET_KEY') });
  });
});
