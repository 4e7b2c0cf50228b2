import { connect, NatsConnection } from 'nats';
import { Pool } from 'pg';
import { AuditPublisher } from '@cube/messaging';
import { LocalNatsServer } from '@cube/dev-stack';
import { AuditProcess, RestartablePostgres } from './audit-harness';
import { tempDir, until } from './support';

const BURST = 10_000;

// The built audit service on a NATS and a PostgreSQL of this suite's own, each restarted in the middle of a burst.
describe('audit ingestion across NATS and PostgreSQL restarts', () => {
  let nats: LocalNatsServer;
  let natsState: { path: string; remove(): Promise<void> };
  let postgres: RestartablePostgres;
  let audit: AuditProcess;
  let bus: NatsConnection;
  let db: Pool;

  const stored = async () => {
    const { rows } = await db.query<{ total: number; distinct: number }>(
      'SELECT count(*)::int AS total, count(DISTINCT "id")::int AS distinct FROM "audit"."events"',
    );
    return rows[0] ?? { total: 0, distinct: 0 };
  };

  /** Publishes `count` records 100 at a time (as concurrent writes would), running `midway` at the half. */
  const burst = async (tag: string, count: number, midway: () => Promise<void>) => {
    const publisher = new AuditPublisher(bus.jetstream(), {
      service: 'tenancy',
      ackTimeoutMs: 1000,
      outbox: { maxRecords: count, retryDelayMs: 50, maxRetryDelayMs: 1000 },
    });
    let disruption: Promise<void> | null = null;
    for (let i = 0; i < count; i += 100) {
      if (i === count / 2) disruption = midway();
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          publisher.record({
            source: 'platform',
            requestId: `${tag}-${i + j}`,
            actor: { kind: 'user', name: `burst-${tag}`, groups: [] },
            action: 'namespace.create',
            target: {
              kind: 'Namespace',
              name: `ns-${i + j}`,
              cluster: 'member-a',
              namespace: `ns-${i + j}`,
            },
            outcome: 'success',
          }),
        ),
      );
    }
    await disruption;
    await publisher.flush(120_000);
    publisher.close();
  };

  beforeAll(async () => {
    natsState = await tempDir('cube-audit-nats');
    nats = await LocalNatsServer.start(natsState.path);
    postgres = await RestartablePostgres.start();
    audit = AuditProcess.start({
      NATS_URL: nats.url,
      DATABASE_URL: postgres.url,
      LOG_LEVEL: 'warn',
      CUBE_DB_POOL_MAX: '4',
    });
    bus = await connect({
      servers: nats.url,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    const jsm = await bus.jetstreamManager();
    // The service made its stream and durable consumer: it is ready to ingest.
    await until('the audit consumer', () => jsm.consumers.info('CUBE_AUDIT', 'cube-audit-store'), 60_000);
    db = new Pool({ connectionString: postgres.url, max: 1 });
    db.on('error', () => undefined); // the restart below drops idle connections; the pool makes new ones
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    await audit?.stop();
    await db?.end();
    await postgres?.remove();
    await nats?.stop();
    await natsState?.remove();
  }, 60_000);

  it('loses none and duplicates none of a 10,000-record burst when NATS restarts in the middle', async () => {
    await burst('nats', BURST, () => nats.restart());
    const counts = await until(
      '10,000 records stored',
      async () => {
        const now = await stored();
        return now.total >= BURST ? now : null;
      },
      180_000,
    );
    expect(counts).toEqual({ total: BURST, distinct: BURST });
  }, 300_000);

  it('loses none and duplicates none when PostgreSQL restarts in the middle: records wait on the stream', async () => {
    await burst('pg', BURST, () => postgres.restart());
    const counts = await until(
      '20,000 records stored',
      async () => {
        const now = await stored();
        return now.total >= 2 * BURST ? now : null;
      },
      180_000,
    );
    expect(counts).toEqual({ total: 2 * BURST, distinct: 2 * BURST });
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "audit"."events" WHERE "actor_user" = 'burst-pg'`);
    expect(rows[0]?.n).toBe(BURST);
  }, 300_000);
});
