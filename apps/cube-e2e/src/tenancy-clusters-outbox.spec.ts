import { connect, JSONCodec, NatsConnection } from 'nats';
import { Client } from 'pg';
import { RunningStack } from '@cube/dev-stack';
import { KubeServer, startKubeServer } from '@cube/testing';
import { gatewayClient, LineLog, startTestStack, TestStack, until, waitForStatus } from './support';

const ADMIN_PASSWORD = 'e2e-root-secret-2026';

interface StoredEvent {
  id: string;
  type: string;
  entity: { kind: string; name: string };
  version: number;
  data: Record<string, unknown>;
}

/**
 * Tenancy's and clusters' domain events go through their outboxes, as identity's do: while JetStream
 * cannot store them (the CUBE_EVENTS stream is gone) the write still succeeds and its event waits in
 * the service's schema; a restarted process relays what the old one left, each event exactly once.
 */
describe('tenancy and clusters events through their outboxes', () => {
  const log = new LineLog();
  let running: TestStack;
  let stack: RunningStack;
  let bus: NatsConnection;
  let db: Client;
  let member: KubeServer;
  let token: string;

  const client = gatewayClient(() => stack.gatewayUrl);
  const call = (method: string, path: string, body?: unknown) => client.call(method, path, { token, body });

  /** Every event of this type about this entity in CUBE_EVENTS, read from the stream itself; none when it does not exist. */
  const stored = async (type: string, name: string): Promise<StoredEvent[]> => {
    const jsm = await bus.jetstreamManager();
    const info = await jsm.streams.info('CUBE_EVENTS').catch(() => null);
    if (!info || info.state.messages === 0) return [];
    const codec = JSONCodec<StoredEvent>();
    const found: StoredEvent[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
      const message = await jsm.streams.getMessage('CUBE_EVENTS', { seq }).catch(() => null);
      const event = message ? codec.decode(message.data) : null;
      if (event?.type === type && event.entity.name === name) found.push(event);
    }
    return found;
  };

  const waiting = async (schema: 'tenancy' | 'clusters'): Promise<number> => {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"."event_outbox"`);
    return rows[0]?.n ?? 0;
  };

  beforeAll(async () => {
    member = await startKubeServer({ name: 'outbox-member' });
    running = await startTestStack('tenancy_clusters_outbox', { CUBE_ADMIN_PASSWORD: ADMIN_PASSWORD }, log.push);
    stack = running.stack;
    await waitForStatus(`${stack.gatewayUrl}/readyz`, 200);
    bus = await connect({ servers: running.natsUrl });
    db = new Client({ connectionString: running.databaseUrl });
    await db.connect();
    token = await client.token('admin', ADMIN_PASSWORD);
  });

  afterAll(async () => {
    await db?.end();
    await bus?.close();
    await running?.stop();
    await member?.stop();
  });

  it('keeps a tenant.created and a cluster.updated while CUBE_EVENTS is gone and relays each once from the restarted service', async () => {
    // With JetStream working: the events arrive and nothing is left waiting.
    expect((await call('POST', '/api/v1/tenants', { name: 'before' })).status).toBe(201);
    expect((await call('POST', '/api/v1/clusters', { name: 'outbox-member', kubeconfig: member.kubeconfig })).status).toBe(201);
    await until('tenant.created of before', async () => (await stored('tenancy.tenant.created', 'before')).length === 1);
    await until('cluster.registered', async () => (await stored('clusters.cluster.registered', 'outbox-member')).length === 1);
    await until('empty outboxes', async () => (await waiting('tenancy')) === 0 && (await waiting('clusters')) === 0);

    await (await bus.jetstreamManager()).streams.delete('CUBE_EVENTS');
    expect((await call('POST', '/api/v1/tenants', { name: 'while-gone' })).status).toBe(201);
    const patched = await call('PATCH', '/api/v1/clusters/outbox-member', { displayName: 'renamed while gone' });
    expect(patched.status).toBe(200);
    // Both relays keep failing (nothing stores cube.events.*), and the events stay in each service's schema.
    await until('both relays to report failures', async () =>
      ['[tenancy]', '[clusters]'].every((prefix) =>
        log.all().some((line) => line.startsWith(prefix) && line.includes('events wait in the outbox')),
      ),
    );
    expect(await waiting('tenancy')).toBe(1);
    expect(await waiting('clusters')).toBe(1);

    // Clusters is down while a new tenancy process recreates the stream at boot and relays what the old one left.
    await stack.stopProcess('clusters');
    await stack.stopProcess('tenancy');
    await stack.startProcess('tenancy');
    await until('tenant.created of while-gone', async () => (await stored('tenancy.tenant.created', 'while-gone')).length > 0);
    await until('an empty tenancy outbox', async () => (await waiting('tenancy')) === 0);
    expect(await waiting('clusters')).toBe(1);

    await stack.startProcess('clusters');
    await until('cluster.updated', async () => (await stored('clusters.cluster.updated', 'outbox-member')).length > 0);
    await until('an empty clusters outbox', async () => (await waiting('clusters')) === 0);

    const tenant = await stored('tenancy.tenant.created', 'while-gone');
    expect(tenant).toHaveLength(1);
    expect(tenant[0]).toMatchObject({ entity: { kind: 'Tenant', name: 'while-gone' }, version: 1, data: { name: 'while-gone' } });
    const cluster = await stored('clusters.cluster.updated', 'outbox-member');
    expect(cluster).toHaveLength(1);
    expect(cluster[0]).toMatchObject({
      version: Number(patched.body['version']),
      data: { displayName: 'renamed while gone', kubeconfigReplaced: false },
    });
  }, 240_000);
});
