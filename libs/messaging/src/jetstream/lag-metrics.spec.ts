import { Client } from 'pg';
import { AckPolicy, connect, NatsConnection } from 'nats';
import { CubeMetrics, registerConsumerLag, registerOutboxLag } from '@cube/observability';
import { parsePrometheusText, sampleValue } from '@cube/observability/testing';
import { ensureStreams } from './cube-streams';
import { EventOutbox, eventOutboxTableSql, SqlExecutor } from './event-outbox';
import { EventPublisher } from './event-publisher';
import { DurableSubscribers } from './jetstream.module';
import { PrivateNatsServer } from './private-nats-server.testing';

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const actor = { kind: 'user' as const, name: 'alice', groups: [] };
const thing = (name: string) => ({
  actor,
  entityKind: 'thing',
  event: 'created',
  entity: { kind: 'Thing', name },
  version: 1,
  data: { name },
});

// What Cube's lag gauges read, against the machine's PostgreSQL and a nats-server of the test's own.
describe('outbox and consumer lag metrics', () => {
  const schema = `lag_spec_${process.pid}_${Date.now()}`;
  let pg: Client;
  let db: SqlExecutor;
  let server: PrivateNatsServer;
  let nc: NatsConnection;
  let publisher: EventPublisher;

  beforeAll(async () => {
    pg = new Client({ connectionString: DATABASE_URL });
    await pg.connect();
    await pg.query(`CREATE SCHEMA "${schema}"`);
    await pg.query(eventOutboxTableSql(`"${schema}"."event_outbox"`));
    db = { query: async (sql, parameters) => (await pg.query(sql, parameters)).rows };
    server = await PrivateNatsServer.start();
    nc = await connect({ servers: server.url });
    await ensureStreams(await nc.jetstreamManager());
    publisher = new EventPublisher(nc.jetstream(), { service: 'spec', ackTimeoutMs: 5000 });
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await server?.remove();
    await pg?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pg?.end();
  });

  it('reports the events waiting in the outbox table and the age of the oldest, until the relay sent them', async () => {
    const outbox = new EventOutbox(db, publisher, { table: `"${schema}"."event_outbox"` });
    const metrics = new CubeMetrics('spec');
    registerOutboxLag(metrics, async () => [{ outbox: 'events', ...(await outbox.lag()) }]);
    const scrape = async () => parsePrometheusText(await metrics.render());

    expect(sampleValue(await scrape(), 'cube_outbox_pending', { outbox: 'events' })).toBe(0);
    await outbox.add(db, thing('a'));
    await outbox.add(db, thing('b'));
    await pg.query(
      `UPDATE "${schema}"."event_outbox" SET "created_at" = now() - interval '90 seconds' WHERE "seq" = (SELECT min("seq") FROM "${schema}"."event_outbox")`,
    );
    let samples = await scrape();
    expect(sampleValue(samples, 'cube_outbox_pending', { outbox: 'events' })).toBe(2);
    expect(sampleValue(samples, 'cube_outbox_oldest_age_seconds', { outbox: 'events' })).toBeGreaterThanOrEqual(90);

    expect(await outbox.relayPending()).toBe(2);
    samples = await scrape();
    expect(sampleValue(samples, 'cube_outbox_pending', { outbox: 'events' })).toBe(0);
    expect(sampleValue(samples, 'cube_outbox_oldest_age_seconds', { outbox: 'events' })).toBe(0);
  });

  it('reports num_pending of a durable consumer the process reads, and leaves out one the server does not know', async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.add('CUBE_EVENTS', { durable_name: 'spec-reader', ack_policy: AckPolicy.Explicit });
    const subscribers = new DurableSubscribers(nc, { natsUrl: server.url, service: 'spec' });
    subscribers.reportLagOf('CUBE_EVENTS', 'spec-reader');
    subscribers.reportLagOf('CUBE_EVENTS', 'never-created');
    const metrics = new CubeMetrics('spec');
    registerConsumerLag(metrics, () => subscribers.lag());
    const scrape = async () => parsePrometheusText(await metrics.render());
    const labels = { stream: 'CUBE_EVENTS', consumer: 'spec-reader' };

    const before = sampleValue(await scrape(), 'cube_jetstream_consumer_pending_messages', labels) ?? -1;
    for (const name of ['c', 'd', 'e']) await publisher.publish(thing(name));
    const samples = await scrape();
    expect(sampleValue(samples, 'cube_jetstream_consumer_pending_messages', labels)).toBe(before + 3);
    expect(sampleValue(samples, 'cube_jetstream_consumer_ack_pending_messages', labels)).toBe(0);
    expect(sampleValue(samples, 'cube_jetstream_consumer_pending_messages', { consumer: 'never-created' })).toBeUndefined();
  });
});
