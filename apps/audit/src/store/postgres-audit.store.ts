import { AuditEntry, AuditVerifyReply, Page } from '@cube/contracts';
import { chainDayOf, firstBrokenLink, GENESIS_HASH, linkChain, UnchainedEntry } from '../records/audit-chain';
import { AuditFilter, AuditStore, NEWEST_FIRST, uniqueById } from './audit-store';
import { entryOf, FlatAuditRecord, flattenEntry } from './flat-record';

/** The little of a database client the store needs; TypeORM's DataSource and a pg Pool both fit (see adapters). */
export interface SqlClient {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `work` in one READ COMMITTED transaction (writers are serialised by an advisory lock inside). */
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
}

/** A row as pg returns it: timestamptz as Date, bigint as string. */
interface EventRow extends Omit<FlatAuditRecord, 'time' | 'chain_seq'> {
  time: Date;
  chain_seq: string;
}

const COLUMNS = `"time", "id", "chain_day", "chain_seq", "source", "actor_user", "actor_groups", "source_ip", "user_agent",
  "action", "cluster", "namespace", "resource", "name", "api_group", "request_id", "platform_request_id", "outcome", "code",
  "reason", "latency_ms", "request_body", "prev_hash", "hash"`;

const RECORDSET = `"time" timestamptz, "id" text, "chain_day" date, "chain_seq" bigint, "source" varchar, "actor_user" text,
  "actor_groups" text[], "source_ip" text, "user_agent" text, "action" text, "cluster" text, "namespace" text,
  "resource" text, "name" text, "api_group" text, "request_id" text, "platform_request_id" text, "outcome" varchar, "code" integer, "reason" text,
  "latency_ms" double precision, "request_body" jsonb, "prev_hash" char(64), "hash" char(64)`;

// One writer at a time extends the chains, whatever the number of audit replicas.
const CHAIN_LOCK = 7_319_004_211;

export function rowToEntry(row: EventRow): AuditEntry {
  return entryOf({ ...row, time: row.time.toISOString() });
}

/** Monthly partition bounds of a time: [first of its month, first of the next), UTC. */
export function monthOf(time: string): { name: string; from: string; to: string } {
  const date = new Date(time);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const from = new Date(Date.UTC(year, month, 1)).toISOString();
  const to = new Date(Date.UTC(year, month + 1, 1)).toISOString();
  return { name: `events_y${year}m${String(month + 1).padStart(2, '0')}`, from, to };
}

/** Audit records in `audit.events`, partitioned by month, with per-day hash chains (the embedded default). */
export class PostgresAuditStore implements AuditStore {
  private readonly partitions = new Set<string>();

  constructor(
    private readonly db: SqlClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async init(): Promise<void> {
    const rows = await this.db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
       WHERE n.nspname = 'audit' AND p.relname = 'events'`,
    );
    for (const row of rows) this.partitions.add(row.name);
  }

  async append(batch: UnchainedEntry[]): Promise<number> {
    const entries = uniqueById(batch);
    if (entries.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const existing = await tx.query<{ id: string }>(
        `SELECT e."id" FROM "audit"."events" e
         JOIN unnest($1::timestamptz[], $2::text[]) AS b("time", "id") ON e."time" = b."time" AND e."id" = b."id"`,
        [entries.map((e) => e.time), entries.map((e) => e.id)],
      );
      const known = new Set(existing.map((row) => row.id));
      const fresh = entries.filter((entry) => !known.has(entry.id));
      if (fresh.length === 0) return 0;
      await this.ensurePartitions(tx, fresh);
      const day = chainDayOf(this.now());
      const [head] = await tx.query<{ seq: string; hash: string }>(`SELECT "seq", "hash" FROM "audit"."chain_heads" WHERE "day" = $1`, [
        day,
      ]);
      const { linked, head: newHead } = linkChain(fresh, head?.hash ?? GENESIS_HASH);
      const firstSeq = Number(head?.seq ?? 0) + 1;
      const rows = linked.map((entry, index) => flattenEntry(entry, day, firstSeq + index));
      await tx.query(`INSERT INTO "audit"."events" (${COLUMNS}) SELECT ${COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS x(${RECORDSET})`, [
        JSON.stringify(rows),
      ]);
      await tx.query(
        `INSERT INTO "audit"."chain_heads" ("day", "seq", "hash") VALUES ($1, $2, $3)
         ON CONFLICT ("day") DO UPDATE SET "seq" = EXCLUDED."seq", "hash" = EXCLUDED."hash"`,
        [day, firstSeq + linked.length - 1, newHead],
      );
      return fresh.length;
    });
  }

  async query(filter: AuditFilter, limit: number, cursor: string | null): Promise<Page<AuditEntry>> {
    const after = NEWEST_FIRST.decode(cursor);
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (sql: string, ...values: unknown[]) => {
      let text = sql;
      for (const value of values) {
        params.push(value);
        text = text.replace('?', `$${params.length}`);
      }
      where.push(text);
    };
    if (!filter.visibility.all) {
      const { user, namespaces = [], members = [] } = filter.visibility;
      const branches = ['"actor_user" = ?'];
      const values: unknown[] = [user];
      if (namespaces.length > 0) {
        branches.push('("cluster", "namespace") IN (SELECT * FROM unnest(?::text[], ?::text[]))');
        values.push(
          namespaces.map((n) => n.cluster),
          namespaces.map((n) => n.namespace),
        );
      }
      if (members.length > 0) {
        branches.push(`("source" = 'cube' AND "actor_user" = ANY(?::text[]))`);
        values.push(members);
      }
      add(branches.length > 1 ? `(${branches.join(' OR ')})` : (branches[0] ?? 'FALSE'), ...values);
    }
    if (filter.id) add('"id" = ?', filter.id);
    if (filter.requestId) add('"request_id" = ?', filter.requestId);
    if (filter.platformRequestId === null) where.push('"platform_request_id" IS NULL');
    else if (filter.platformRequestId) add('"platform_request_id" = ?', filter.platformRequestId);
    if (filter.user) add('"actor_user" = ?', filter.user);
    if (filter.cluster) add('"cluster" = ?', filter.cluster);
    if (filter.namespace) add('"namespace" = ?', filter.namespace);
    if (filter.resource) add('"resource" = ?', filter.resource);
    if (filter.verb) add('"action" = ?', filter.verb);
    if (filter.outcome) add('"outcome" = ?', filter.outcome);
    if (filter.source) add('"source" = ?', filter.source);
    if (filter.from) add('"time" >= ?::timestamptz', filter.from);
    if (filter.to) add('"time" <= ?::timestamptz', filter.to);
    if (filter.q) add(`"search" @@ plainto_tsquery('simple', ?)`, filter.q);
    if (after) add('("time", "id") < (?::timestamptz, ?)', after[0], after[1]);
    params.push(limit + 1);
    const rows = await this.db.query<EventRow>(
      `SELECT ${COLUMNS} FROM "audit"."events" ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY "time" DESC, "id" DESC LIMIT $${params.length}`,
      params,
    );
    return NEWEST_FIRST.page(
      rows.map(rowToEntry),
      limit,
      (entry) => [entry.time, entry.id],
      (entry) => entry,
    );
  }

  async verify(from: Date | null, to: Date | null): Promise<AuditVerifyReply> {
    const fromDay = from ? chainDayOf(from) : '0001-01-01';
    const toDay = to ? chainDayOf(to) : '9999-12-31';
    const heads = await this.db.query<{ day: string; seq: string; hash: string }>(
      `SELECT to_char("day", 'YYYY-MM-DD') AS "day", "seq", "hash" FROM "audit"."chain_heads" WHERE "day" BETWEEN $1 AND $2 ORDER BY "day"`,
      [fromDay, toDay],
    );
    let checked = 0;
    for (const head of heads) {
      let prevHash = GENESIS_HASH;
      let expectedSeq = 1;
      let last: AuditEntry | null = null;
      for (;;) {
        // Pages in chain order, so a day of millions of records is never held in memory at once.
        const rows = await this.db.query<EventRow>(
          `SELECT ${COLUMNS} FROM "audit"."events" WHERE "chain_day" = $1 AND "chain_seq" >= $2 ORDER BY "chain_seq" LIMIT 5000`,
          [head.day, expectedSeq],
        );
        if (rows.length === 0) break;
        for (const row of rows) {
          if (Number(row.chain_seq) !== expectedSeq) {
            return this.broken(checked, rowToEntry(row), head.day, `record ${expectedSeq} of the day's chain is missing`);
          }
          const entry = rowToEntry(row);
          const broken = firstBrokenLink([entry], prevHash);
          if (broken) return this.broken(checked, entry, head.day, broken.reason);
          prevHash = entry.hash;
          expectedSeq += 1;
          checked += 1;
          last = entry;
        }
      }
      if (Number(head.seq) !== expectedSeq - 1 || head.hash !== prevHash) {
        const reason = `the chain ends at record ${expectedSeq - 1} but ${head.seq} were written`;
        return { ok: false, checked, firstBroken: { id: last?.id ?? '', time: last?.time ?? '', day: head.day, reason } };
      }
    }
    return { ok: true, checked };
  }

  async close(): Promise<void> {
    // The connection belongs to whoever made the SqlClient.
  }

  private broken(checked: number, entry: AuditEntry, day: string, reason: string): AuditVerifyReply {
    return { ok: false, checked, firstBroken: { id: entry.id, time: entry.time, day, reason } };
  }

  private async ensurePartitions(tx: SqlClient, entries: UnchainedEntry[]): Promise<void> {
    const months = new Map(entries.map((entry) => monthOf(entry.time)).map((month) => [month.name, month]));
    for (const month of months.values()) {
      if (this.partitions.has(month.name)) continue;
      await tx.query(
        `CREATE TABLE IF NOT EXISTS "audit"."${month.name}" PARTITION OF "audit"."events" FOR VALUES FROM ('${month.from}') TO ('${month.to}')`,
      );
      this.partitions.add(month.name);
    }
  }
}
