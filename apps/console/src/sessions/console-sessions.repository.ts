import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager, Repository } from 'typeorm';
import { SqlCondition } from '@cube/auth';
import { ConsoleSessionQuery } from '@cube/contracts';
import { Keyed, Keyset } from '@cube/persistence';
import { ConsoleSessionEntity } from './console-session.entity';
import { RecordingChunkEntity } from './recording-chunk.entity';

/** Rule attributes of a ConsoleSession (platform-subjects.ts) → columns, for readableWhere. */
export const SESSION_RULE_COLUMNS: Record<string, string> = {
  owner: 's.user_name',
  tenant: 's.tenant',
  project: 's.project',
  cluster: 's.cluster',
  namespace: 's.namespace',
};

/** Console sessions newest first: by start, ties by id. */
export const BY_START = new Keyset<[createdAt: string, id: string]>(['timestamp', 'uuid']);

/** The one owner of `console.sessions` and `console.recording_chunks`. */
@Injectable()
export class ConsoleSessionsRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(ConsoleSessionEntity) private readonly sessions: Repository<ConsoleSessionEntity>,
    @InjectRepository(RecordingChunkEntity) private readonly chunks: Repository<RecordingChunkEntity>,
  ) {}

  /**
   * Runs `work` holding a transaction-scoped advisory lock on the user's name (raw SQL: TypeORM has
   * no advisory locks), so two concurrent opens cannot both pass the per-user limit.
   */
  async withUserLock<T>(user: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction('READ COMMITTED', async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('console.user'), hashtext($1))`, [user]);
      return work(manager);
    });
  }

  /** A user's sessions that hold a place: streaming, or waiting for a ticket still valid. */
  countOpen(manager: EntityManager, user: string, activeSince: Date): Promise<number> {
    return manager
      .getRepository(ConsoleSessionEntity)
      .createQueryBuilder('s')
      .where('s.user_name = :user', { user })
      .andWhere(
        new Brackets((open) =>
          open
            .where(`s.state = 'active' AND s.started_at > :activeSince`, { activeSince })
            .orWhere(`s.state = 'pending' AND s.ticket_expires_at > now()`),
        ),
      )
      .getCount();
  }

  insert(manager: EntityManager, session: ConsoleSessionEntity): Promise<ConsoleSessionEntity> {
    return manager.getRepository(ConsoleSessionEntity).save(session);
  }

  /**
   * Takes the ticket: one UPDATE matching id, hash, state and expiry, so of two concurrent redeems
   * exactly one gets the row; the hash is cleared so the ticket can never match again.
   */
  async redeem(id: string, ticketHash: string): Promise<ConsoleSessionEntity | undefined> {
    const result = await this.sessions
      .createQueryBuilder()
      .update(ConsoleSessionEntity)
      .set({ state: 'active', ticketHash: null, startedAt: () => 'now()' })
      .where('id = :id AND ticket_hash = :ticketHash AND state = :pending AND ticket_expires_at > now()', {
        id,
        ticketHash,
        pending: 'pending',
      })
      .returning('*')
      .execute();
    const [row] = result.raw as Record<string, unknown>[];
    return row ? this.sessions.create(this.fromRaw(row)) : undefined;
  }

  find(id: string): Promise<ConsoleSessionEntity | null> {
    return this.sessions.findOneBy({ id });
  }

  /** Marks an active session ended; false when it already was (a second end changes nothing). */
  async end(id: string, fields: Pick<ConsoleSessionEntity, 'exitCode' | 'endReason' | 'cols' | 'rows'>): Promise<boolean> {
    const result = await this.sessions
      .createQueryBuilder()
      .update(ConsoleSessionEntity)
      .set({ ...fields, state: 'ended', endedAt: () => 'now()' })
      .where(`id = :id AND state <> 'ended'`, { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /**
   * Ends up to `limit` sessions nobody will end: a ticket that expired unused, or a stream older than
   * the maximum duration (its gateway stopped). Raw SQL: FOR UPDATE SKIP LOCKED lets several gateways
   * reap at once, each session claimed by exactly one.
   */
  async claimAbandoned(maxDurationSeconds: number, limit: number): Promise<ConsoleSessionEntity[]> {
    const rows = (await this.db.query(
      `UPDATE "console"."sessions" SET "state" = 'ended', "ended_at" = now(),
         "end_reason" = CASE WHEN "state" = 'pending' THEN 'the ticket was never used' ELSE 'the stream was lost' END
       WHERE "id" IN (
         SELECT "id" FROM "console"."sessions"
         WHERE ("state" = 'pending' AND "ticket_expires_at" < now())
            OR ("state" = 'active' AND "started_at" < now() - make_interval(secs => $1))
         LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [maxDurationSeconds, limit],
    )) as [Record<string, unknown>[], number] | Record<string, unknown>[];
    // node-postgres through TypeORM answers an UPDATE … RETURNING with [rows, count].
    const list = Array.isArray(rows[0]) ? (rows[0] as Record<string, unknown>[]) : (rows as Record<string, unknown>[]);
    return list.map((row) => this.sessions.create(this.fromRaw(row)));
  }

  /** Stores one chunk; the same `seq` twice (a retried request) keeps the first. */
  async appendChunk(sessionId: string, seq: number, lines: string): Promise<void> {
    await this.chunks.createQueryBuilder().insert().values({ sessionId, seq, lines }).orIgnore().execute();
  }

  /** Chunks from `fromSeq` on, stopping after about `maxChars` characters (always at least one chunk). */
  async chunksFrom(sessionId: string, fromSeq: number, maxChars: number): Promise<{ lines: string; nextSeq: number | null }> {
    const rows = await this.chunks
      .createQueryBuilder('c')
      .where('c.session_id = :sessionId AND c.seq >= :fromSeq', { sessionId, fromSeq })
      .orderBy('c.seq', 'ASC')
      .limit(64)
      .getMany();
    let lines = '';
    let taken = 0;
    for (const row of rows) {
      if (taken > 0 && lines.length + row.lines.length > maxChars) break;
      lines += row.lines;
      taken += 1;
    }
    const last = rows[taken - 1];
    return { lines, nextSeq: taken < rows.length || rows.length === 64 ? (last ? last.seq + 1 : null) : null };
  }

  /** Newest first; keyset on (created_at, id); the caller's read rules are part of the query. */
  list(
    query: ConsoleSessionQuery,
    readable: SqlCondition,
    after: [string, string] | null,
    limit: number,
  ): Promise<Keyed<ConsoleSessionEntity, [string, string]>[]> {
    const builder = this.sessions.createQueryBuilder('s');
    builder.where(readable.sql, readable.params);
    if (query.user) builder.andWhere('s.user_name = :user', { user: query.user });
    if (query.cluster) builder.andWhere('s.cluster = :cluster', { cluster: query.cluster });
    if (query.namespace) builder.andWhere('s.namespace = :namespace', { namespace: query.namespace });
    if (query.from) builder.andWhere('s.created_at >= :from', { from: query.from });
    if (query.to) builder.andWhere('s.created_at < :to', { to: query.to });
    return BY_START.read(builder, ['s.created_at', 's.id'], after, limit + 1, 'DESC');
  }

  private fromRaw(row: Record<string, unknown>): Partial<ConsoleSessionEntity> {
    const metadata = this.sessions.metadata;
    const entity: Record<string, unknown> = {};
    for (const column of metadata.columns) entity[column.propertyName] = row[column.databaseName];
    return entity as Partial<ConsoleSessionEntity>;
  }
}
