import { connect, JSONCodec, NatsConnection } from 'nats';
import { ensureStreams } from './cube-streams';
import { PrivateNatsCluster } from './private-nats-server.testing';
import { until } from './until.testing';

/** `CUBE_JETSTREAM_REPLICAS` on a 3-node JetStream cluster, as the `ha` Kubernetes overlay runs it. */
describe('ensureStreams on a 3-node JetStream cluster', () => {
  let cluster: PrivateNatsCluster;
  let nc: NatsConnection;

  beforeAll(async () => {
    cluster = await PrivateNatsCluster.start(3);
    nc = await connect({ servers: cluster.url.split(','), maxReconnectAttempts: -1 });
  }, 30_000);
  afterAll(async () => {
    await nc?.close();
    await cluster?.remove();
  });

  it('creates both streams with 3 replicas, keeps them at 3 when a process asks for 1, and stores events with a node down', async () => {
    // Until the nodes have elected a meta leader, JetStream answers "temporarily unavailable" or not at all.
    const jsm = await until('JetStream on the cluster', () => nc.jetstreamManager({ timeout: 2000 }).catch(() => undefined), 25_000);
    const created = await until('the streams on the cluster', () => ensureStreams(jsm, { replicas: 3 }).catch(() => undefined), 25_000);
    expect(created.events.config.num_replicas).toBe(3);
    expect(created.audit.config.num_replicas).toBe(3);

    // A Warden started without the setting asks for 1: the streams stay at 3 copies.
    const again = await ensureStreams(jsm, { replicas: 1, eventsMaxAgeMs: 10 * 60_000 });
    expect(again.events.config.num_replicas).toBe(3);
    expect(again.events.config.max_age).toBe(10 * 60_000 * 1_000_000);

    await cluster.kill(0);
    const js = nc.jetstream();
    const ack = await until(
      'a publish with one node down',
      () =>
        js
          .publish('cube.events.test.thing.happened', JSONCodec().encode({ n: 1 }), { msgID: 'ha-1', timeout: 2000 })
          .catch(() => undefined),
      25_000,
    );
    expect(ack.stream).toBe('CUBE_EVENTS');
    // The client may still be moving off the killed node: the stream's state is asked until one answers.
    const info = await until(
      'the stream info with one node down',
      () =>
        nc
          .jetstreamManager({ timeout: 2000 })
          .then((manager) => manager.streams.info('CUBE_EVENTS'))
          .catch(() => undefined),
      25_000,
    );
    expect(info.state.messages).toBe(1);
  }, 60_000);
});
