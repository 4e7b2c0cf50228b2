import { CubeEvent } from '@cube/contracts';
import { DomainEventInput, EventPublisher } from './event-publisher';

/** What the outbox needs of a database connection or transaction (TypeORM's DataSource and EntityManager fit). */
export interface SqlExecutor {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export interface EventOutboxOptions {
  /** The outbox table, schema-qualified and quoted: `"identity"."event_outbox"` (see `eventOutboxTableSql`). */
  table: string;
  /** Rows relayed per round. */
  batchSize?: number;
  /** How often the relay looks for rows nobody woke it for (another replica's, or left by a crash). */
  pollIntervalMs?: number;
  /** First wait after a failed publish, doubled up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Told about failed rounds; never given event payloads. */
  onError?: (error: unknown) => void;
}

const QUOTED_TABLE = /^"[a-z_][a-z0-9_]*"\."[a-z_][a-z0-9_]*"$/;

/** The outbox table's DDL, for a service's migration. */
export function eventOutboxTableSql(table: string): string {
  assertTable(table);
  return `CREATE TABLE ${table} (
    "seq" bigserial PRIMARY KEY,
    "id" uuid NOT NULL UNIQUE,
    "event" jsonb NOT NULL,
    "created_at" timestamptz NOT NULL DEFAULT now()
  )`;
}

function assertTable(table: string): void {
  if (!QUOTED_TABLE.test(table)) throw new Error(`outbox table ${table} must be written "schema"."table"`);
}

interface OutboxRow {
  seq: string;
  event: CubeEvent<unknown>;
}

/**
 * Transactional outbox for domain events: a service writes its events in the same transaction as the
 * change (`add`), and the relay publishes them to `CUBE_EVENTS` in commit order, deleting each row
 * only after JetStream acknowledged it. A crash between the ack and the delete republishes the event
 * with the same `msgID`, which the stream's duplicate window drops; several replicas relaying the
 * same rows are deduplicated the same way.
 */
export class EventOutbox {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private woken = false;

  constructor(
    private readonly db: SqlExecutor,
    private readonly publisher: EventPublisher,
    private readonly options: EventOutboxOptions,
  ) {
    assertTable(options.table);
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 10_000;
  }

  /** Stores an event within the caller's transaction `tx`; call `wake()` after the commit to send it promptly. */
  async add<TData>(tx: SqlExecutor, input: DomainEventInput<TData>): Promise<CubeEvent<TData>> {
    const event = this.publisher.compose(input);
    await tx.query(`INSERT INTO ${this.options.table} ("id", "event") VALUES ($1, $2)`, [event.id, JSON.stringify(event)]);
    return event;
  }

  /** Events still waiting for JetStream. */
  async pending(): Promise<number> {
    const rows = (await this.db.query(`SELECT count(*)::int AS "n" FROM ${this.options.table}`)) as { n: number }[];
    return rows[0]?.n ?? 0;
  }

  /** Events still waiting and the age of the oldest, in one query (read at each metrics scrape). */
  async lag(): Promise<{ pending: number; oldestAgeSeconds: number | null }> {
    const rows = (await this.db.query(
      `SELECT count(*)::int AS "n", extract(epoch FROM now() - min("created_at"))::float8 AS "age" FROM ${this.options.table}`,
    )) as { n: number; age: number | null }[];
    return { pending: rows[0]?.n ?? 0, oldestAgeSeconds: rows[0]?.age ?? null };
  }

  /** Publishes waiting events oldest first until none is left; stops at the first failure (order is kept). */
  async relayPending(): Promise<number> {
    let relayed = 0;
    for (;;) {
      const rows = (await this.db.query(`SELECT "seq", "event" FROM ${this.options.table} ORDER BY "seq" LIMIT $1`, [
        this.batchSize,
      ])) as OutboxRow[];
      for (const row of rows) {
        await this.publisher.publishComposed(row.event);
        await this.db.query(`DELETE FROM ${this.options.table} WHERE "seq" = $1`, [row.seq]);
        relayed += 1;
      }
      if (rows.length < this.batchSize) return relayed;
    }
  }

  /** Asks the relay for a round now (after a commit that added events). */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Starts relaying in the background: at once (rows left by an earlier run), on `wake()`, and every poll interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the round in progress; unsent rows stay for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    let delay = this.retryDelayMs;
    let wait = 0;
    let backingOff = false;
    while (this.running) {
      if (wait > 0) await this.sleep(wait, !backingOff);
      if (!this.running) return;
      this.woken = false;
      try {
        await this.relayPending();
        delay = this.retryDelayMs;
        wait = this.pollIntervalMs;
        backingOff = false;
      } catch (error: unknown) {
        this.options.onError?.(error);
        wait = delay;
        delay = Math.min(delay * 2, this.maxRetryDelayMs);
        // New events must not turn the backoff into a busy retry while JetStream is down.
        backingOff = true;
      }
    }
  }

  /** Waits `ms`, cut short by `stop()` and, when `wakeable`, by `wake()` (also one that came during the last round). */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (wakeable && this.woken) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = () => {
        if (wakeable || !this.running) done();
      };
    });
  }
}
