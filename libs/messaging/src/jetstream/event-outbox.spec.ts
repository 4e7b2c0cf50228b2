import { Client } from 'pg';
import { connect, JSONCodec, NatsConnection } from 'nats';
import { CubeEvent } from '@cube/contracts';
import { ensureStreams } from './cube-streams';
import { EventOutbox, eventOutboxTableSql, SqlExecutor } from './event-outbox';
import { EventPublisher } from './event-publisher';
import { PrivateNatsServer } from './private-nats-server.testing';
import { until } from './until.testing';

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const actor = { kind: 'user' as const, name: 'alice', groups: [] };

// The outbox against the machine's PostgreSQL and a nats-server of the test's own, stopped and restarted.
describe('EventOutbox', () => {
  const schema = `outbox_spec_${process.pid}_${Date.now()}`;
  const table = `"${schema}"."event_outbox"`;
  let pg: Client;
  let db: SqlExecutor;
  let server: PrivateNatsServer;
  let nc: NatsConnection;
  let publisher: EventPublisher;

  /** Every stored event with this id in CUBE_EVENTS, read from the stream itself. */
  async function storedWithId(id: string): Promise<CubeEvent[]> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info('CUBE_EVENTS');
    const found: CubeEvent[] = [];
    const codec = JSONCodec<CubeEvent>();
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq += 1) {
      const message = await jsm.streams.getMessage('CUBE_EVENTS', { seq }).catch(() => null);
      if (message && codec.decode(message.data).id === id) found.push(codec.decode(message.data));
    }
    return found;
  }

  /** A change and its event in one transaction, committed or rolled back. */
  async function change(outbox: EventOutbox, name: string, outcome: 'COMMIT' | 'ROLLBACK'): Promise<CubeEvent> {
    await pg.query('BEGIN');
    await pg.query(`INSERT INTO "${schema}"."things" ("name") VALUES ($1)`, [name]);
    const event = await outbox.add(db, {
      actor,
      entityKind: 'thing',
      event: 'created',
      entity: { kind: 'Thing', name },
      version: 1,
      data: { name },
    });
    await pg.query(outcome);
    outbox.wake();
    return event;
  }

  beforeAll(async () => {
    pg = new Client({ connectionString: DATABASE_URL });
    await pg.connect();
    await pg.query(`CREATE SCHEMA "${schema}"`);
    await pg.query(eventOutboxTableSql(table));
    await pg.query(`CREATE TABLE "${schema}"."things" ("name" text PRIMARY KEY)`);
    db = { query: async (sql, parameters) => (await pg.query(sql, parameters)).rows };
    server = await PrivateNatsServer.start();
    nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    await ensureStreams(await nc.jetstreamManager());
    publisher = new EventPublisher(nc.jetstream(), { service: 'spec', ackTimeoutMs: 500 });
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    await server?.remove();
    await pg?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pg?.end();
  });

  it('keeps an event committed while NATS is down and stores it exactly once after NATS is back', async () => {
    const errors: unknown[] = [];
    const outbox = new EventOutbox(db, publisher, {
      table,
      retryDelayMs: 50,
      maxRetryDelayMs: 200,
      onError: (error) => errors.push(error),
    });
    await server.stop();
    let restarted = false;
    try {
      const event = await change(outbox, 'while-down', 'COMMIT');
      outbox.start();
      // The relay has tried and failed at least twice (backing off), and the event is still kept.
      await until('failed relay rounds', async () => (errors.length >= 2 ? true : undefined));
      expect(await outbox.pending()).toBe(1);
      await server.restart();
      restarted = true;
      await until('the outbox to empty', async () => ((await outbox.pending()) === 0 ? true : undefined));
      const stored = await storedWithId(event.id);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ type: 'spec.thing.created', entity: { kind: 'Thing', name: 'while-down' }, version: 1 });
    } finally {
      await outbox.stop();
      if (!restarted) await server.restart();
    }
  }, 90_000);

  it('stores an event once when the relay published it but died before deleting its row', async () => {
    const outbox = new EventOutbox(db, publisher, { table });
    const event = await change(outbox, 'crashed-relay', 'COMMIT');
    // What a relay that crashed between the PubAck and the DELETE leaves behind: published, row still there.
    await publisher.publishComposed(event);
    expect(await outbox.relayPending()).toBe(1);
    expect(await storedWithId(event.id)).toHaveLength(1);
  }, 30_000);

  it('sends nothing for a change that was rolled back', async () => {
    const outbox = new EventOutbox(db, publisher, { table });
    const event = await change(outbox, 'rolled-back', 'ROLLBACK');
    expect(await outbox.pending()).toBe(0);
    expect(await outbox.relayPending()).toBe(0);
    expect(await storedWithId(event.id)).toHaveLength(0);
  }, 30_000);

  it('relays events in commit order', async () => {
    const outbox = new EventOutbox(db, publisher, { table, batchSize: 2 });
    const events = [];
    for (const name of ['first', 'second', 'third']) events.push(await change(outbox, name, 'COMMIT'));
    expect(await outbox.relayPending()).toBe(3);
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info('CUBE_EVENTS');
    const codec = JSONCodec<CubeEvent>();
    const lastThree = [];
    for (let seq = info.state.last_seq - 2; seq <= info.state.last_seq; seq += 1) {
      lastThree.push(codec.decode((await jsm.streams.getMessage('CUBE_EVENTS', { seq })).data).id);
    }
    expect(lastThree).toEqual(events.map((event) => event.id));
  }, 30_000);
});
