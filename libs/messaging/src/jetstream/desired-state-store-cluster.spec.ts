import { connect, NatsConnection } from 'nats';
import { DesiredStateStore } from './desired-state-store';
import { PrivateNatsCluster } from './private-nats-server.testing';
import { until } from './until.testing';

/** A replicated bucket loses its leader while a NATS node dies or rejoins: a write waits for the next one. */
describe('DesiredStateStore on a 3-node JetStream cluster', () => {
  let cluster: PrivateNatsCluster;
  let nc: NatsConnection;

  beforeAll(async () => {
    cluster = await PrivateNatsCluster.start(3);
    nc = await connect({ servers: cluster.url.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  }, 30_000);
  afterAll(async () => {
    await nc?.close();
    await cluster?.remove();
  });

  it('waits for a leader instead of failing a write while the bucket has none, and is UNAVAILABLE past the wait', async () => {
    const open = (noLeaderWaitMs: number) =>
      until(
        'the bucket on the cluster',
        () => DesiredStateStore.open<{ n: number }>(nc.jetstream(), 'ha-a', { replicas: 3, noLeaderWaitMs }).catch(() => undefined),
        25_000,
      );
    const patient = await open(30_000);
    const hasty = await open(300);
    await until('a first write', () => patient.put('namespace.a', { n: 0 }).catch(() => undefined), 25_000);

    // Two of three nodes gone: no quorum, no leader, "no responders" to every write.
    await cluster.kill(1);
    await cluster.kill(2);
    await expect(hasty.put('namespace.a', { n: 1 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });

    const waiting = patient.put('namespace.a', { n: 2 });
    await cluster.restart(1);
    expect(await waiting).toBeGreaterThan(1);
    expect(await patient.get('namespace.a')).toMatchObject({ value: { n: 2 } });
  }, 90_000);
});
