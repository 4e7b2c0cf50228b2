import { Pool } from 'pg';
import { connect, JSONCodec, NatsConnection } from 'nats';
import { CubeEvent } from '@cube/contracts';
import { ensureStreams } from './cube-streams';
import { eventOutboxTableSql, SqlExecutor } from './event-outbox';
import { EventPublisher } from './event-publisher';
import { PrivateNatsServer } from './private-nats-server.testing';
import { until } from './until.testing';
import { eventOutboxTable, ServiceEventOutbox, TransactionalDatabase } from './service-event-outbox';

const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const actor = { kind: 'user' as const, name: 'alice', groups: [] };

class SpecOutbox extends ServiceEventOutbox<SqlExecutor> {
  constructor(database: TransactionalDatabase<SqlExecutor>, publisher: EventPublisher, schema: string) {
    super(database, publisher, schema);
  }
}

// A service's outbox as Nest runs it (bootstrap starts the relay, shutdown stops it), on the machine's PostgreSQL and a private nats-server.
describe('ServiceEventOutbox', () => {
  const schema = `service_outbox_spec_${process.pid}_${Date.now()}`;
  let pool: Pool;
  let database: TransactionalDatabase<SqlExecutor>;
  let server: PrivateNatsServer;
  let nc: NatsConnection;
  let outbox: SpecOutbox;

  async function storedIds(): Promise<string[]> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info('CUBE_EVENTS');
    const codec = JSONCodec<CubeEvent>();
    const ids: string[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq += 1) {
      const message = await jsm.streams.getMessage('CUBE_EVENTS', { seq }).catch(() => null);
      if (message) ids.push(codec.decode(message.data).id);
    }
    return ids;
  }

  const thingCreated = (name: string) => ({
    actor,
    entityKind: 'thing',
    event: 'created',
    entity: { kind: 'Thing', name },
    version: 1,
    data: { name },
  });
  const things = async () =>
    ((await pool.query(`SELECT "name" FROM "${schema}"."things" ORDER BY "name"`)).rows as { name: string }[]).map((row) => row.name);

  beforeAll(async () => {
    pool = new Pool({ connectionString: DATABASE_URL, max: 4 });
    await pool.query(`CREATE SCHEMA "${schema}"`);
    await pool.query(eventOutboxTableSql(eventOutboxTable(schema)));
    await pool.query(`CREATE TABLE "${schema}"."things" ("name" text PRIMARY KEY)`);
    database = {
      query: async (sql, parameters) => (await pool.query(sql, parameters)).rows,
      transaction: async (isolationLevel, work) => {
        const client = await pool.connect();
        try {
          await client.query(`BEGIN ISOLATION LEVEL ${isolationLevel}`);
          const result = await work({ query: async (sql, parameters) => (await client.query(sql, parameters)).rows });
          await client.query('COMMIT');
          return result;
        } catch (error: unknown) {
          await client.query('ROLLBACK');
          throw error;
        } finally {
          client.release();
        }
      },
    };
    server = await PrivateNatsServer.start();
    nc = await connect({ servers: server.url });
    await ensureStreams(await nc.jetstreamManager());
    outbox = new SpecOutbox(database, new EventPublisher(nc.jetstream(), { service: 'spec', ackTimeoutMs: 2000 }), schema);
    outbox.onApplicationBootstrap();
  }, 60_000);

  afterAll(async () => {
    await outbox?.beforeApplicationShutdown();
    await nc?.close();
    await server?.remove();
    await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool?.end();
  });

  it('relays the events of a committed transaction to CUBE_EVENTS and empties its table', async () => {
    const event = await outbox.transaction(async (tx) => {
      await tx.query(`INSERT INTO "${schema}"."things" ("name") VALUES ($1)`, ['committed']);
      return outbox.add(tx, thingCreated('committed'));
    });
    await until('the event in CUBE_EVENTS', async () => ((await storedIds()).includes(event.id) ? true : undefined));
    await until('an empty outbox', async () => ((await outbox.pending()) === 0 ? true : undefined));
    expect((await storedIds()).filter((id) => id === event.id)).toHaveLength(1);
  }, 30_000);

  it('keeps neither the change nor its event when the work fails', async () => {
    let added: CubeEvent | undefined;
    const failure = await outbox
      .transaction(async (tx) => {
        await tx.query(`INSERT INTO "${schema}"."things" ("name") VALUES ($1)`, ['failed']);
        added = await outbox.add(tx, thingCreated('failed'));
        throw new Error('refused after the event was added');
      })
      .catch((error: unknown) => error);
    expect(failure).toEqual(new Error('refused after the event was added'));
    expect(await outbox.pending()).toBe(0);
    expect(await things()).not.toContain('failed');
    expect(await storedIds()).not.toContain(added?.id);
  }, 30_000);

  it("runs the work through the service's own transaction helper, keeping only the attempt that committed", async () => {
    const attempts: CubeEvent[] = [];
    // A helper that retries once, as tenancy's does on a serialization failure.
    const retryingOnce = async <T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> => {
      try {
        return await database.transaction('READ COMMITTED', async (tx) => {
          await work(tx);
          throw new Error('serialization failure');
        });
      } catch {
        return database.transaction('READ COMMITTED', work);
      }
    };
    await outbox.transaction(async (tx) => {
      await tx.query(`INSERT INTO "${schema}"."things" ("name") VALUES ($1)`, ['retried']);
      attempts.push(await outbox.add(tx, thingCreated('retried')));
    }, retryingOnce);
    expect(attempts).toHaveLength(2);
    const [rolledBack, committed] = attempts as [CubeEvent, CubeEvent];
    await until("the committed attempt's event", async () => ((await storedIds()).includes(committed.id) ? true : undefined));
    expect(await storedIds()).not.toContain(rolledBack.id);
    expect(await things()).toContain('retried');
  }, 30_000);
});
