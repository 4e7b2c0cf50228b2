import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { CubeError, Page } from '@cube/contracts';

/** Page size of a list request that names none. */
export const DEFAULT_PAGE_SIZE = 50;

/**
 * What one part of a sort key must look like when its cursor comes back: `timestamp` is
 * PostgreSQL's text form of a timestamptz (exact to the microsecond, unlike a JS Date).
 */
export type KeyPart = 'text' | 'timestamp' | 'uuid';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const VALID: Record<KeyPart, (value: string) => boolean> = {
  text: () => true,
  timestamp: (value) => !Number.isNaN(Date.parse(value)),
  uuid: (value) => UUID.test(value),
};

/** How a cursor's part is compared with its column: as the column's type, so PostgreSQL compares values, not text. */
const CAST: Record<KeyPart, string> = { text: '', timestamp: '::timestamptz', uuid: '::uuid' };

/** A row a keyset query read, with its sort key as the cursor will carry it. */
export interface Keyed<E, K> {
  row: E;
  key: K;
}

const invalidCursor = () =>
  new CubeError('BAD_REQUEST', 'cursor is not one this list returned', { fields: [{ field: 'cursor', problems: ['invalid cursor'] }] });

/**
 * Keyset pagination over a list's sort key (the one way every list in Cube pages). The cursor is
 * the sort key of the last item returned, opaque to clients (base64url JSON), so pages stay stable
 * while rows are added. Read `limit + 1` rows: the extra one only says whether another page exists.
 *
 *   const BY_NAME = new Keyset<[name: string]>(['text']);
 *   const after = BY_NAME.decode(query.cursor);          // null on the first page; 400 on a forged one
 *   const rows = await repo.list(after, limit + 1);
 *   return BY_NAME.page(rows, limit, (row) => [row.name], toTenant);
 */
export class Keyset<K extends string[]> {
  constructor(private readonly parts: { [I in keyof K]: KeyPart }) {}

  encode(key: K): string {
    return Buffer.from(JSON.stringify(key)).toString('base64url');
  }

  /** The key a cursor names, null without a cursor; BAD_REQUEST (`details.fields` names `cursor`) on anything `encode` did not make. */
  decode(cursor: string | null | undefined): K | null {
    if (!cursor) return null;
    let key: unknown;
    try {
      key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor();
    }
    const parts = this.parts as KeyPart[];
    const valid =
      Array.isArray(key) &&
      key.length === parts.length &&
      key.every((value: unknown, index) => typeof value === 'string' && VALID[parts[index] as KeyPart](value));
    if (!valid) throw invalidCursor();
    return key as K;
  }

  /**
   * Runs `query` as one keyset read: ordered by `columns` (the key's parts, as QueryBuilder
   * expressions such as `b.createdAt`), past `after` when a cursor named it — `(c1, c2) > (:k1, :k2)`,
   * `<` newest first, one row comparison with named parameters — and at most `limit` rows, each with
   * its key read by PostgreSQL as text (a timestamptz exact to the microsecond, unlike a JS Date).
   * Rows only: no joins (raw and entity rows pair up by position).
   *
   *   const rows = await BY_CREATION.read(repo.createQueryBuilder('t').where(...), ['t.createdAt', 't.id'], after, limit + 1);
   *   return BY_CREATION.page(rows, limit, (r) => r.key, (r) => view(r.row));
   */
  async read<E extends ObjectLiteral>(
    query: SelectQueryBuilder<E>,
    columns: { [I in keyof K]: string },
    after: K | null,
    limit: number,
    order: 'ASC' | 'DESC' = 'ASC',
  ): Promise<Keyed<E, K>[]> {
    const parts = this.parts as KeyPart[];
    const expressions = columns as string[];
    if (expressions.length !== parts.length) throw new Error(`a keyset of ${parts.length} parts ordered by ${expressions.length} columns`);
    expressions.forEach((column, index) => query.addSelect(`(${column})::text`, `keyset_${index}`));
    if (after) {
      const names = parts.map((_, index) => `keyset_after_${index}`);
      query.andWhere(
        `(${expressions.join(', ')}) ${order === 'ASC' ? '>' : '<'} (${names.map((name, index) => `:${name}${CAST[parts[index] as KeyPart]}`).join(', ')})`,
        Object.fromEntries(names.map((name, index) => [name, after[index]])),
      );
    }
    expressions.forEach((column, index) => (index === 0 ? query.orderBy(column, order) : query.addOrderBy(column, order)));
    const { entities, raw } = await query.limit(limit).getRawAndEntities<Record<string, string>>();
    return entities.map((row, index) => ({
      row,
      key: parts.map((_, part) => String(raw[index]?.[`keyset_${part}`] ?? '')) as K,
    }));
  }

  /** Turns `limit + 1` rows into a page: at most `limit` items, and a cursor when more follow. */
  page<TRow, TItem>(rows: TRow[], limit: number, keyOf: (row: TRow) => K, toItem: (row: TRow) => TItem): Page<TItem> {
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items: items.map(toItem), nextCursor: rows.length > limit && last !== undefined ? this.encode(keyOf(last)) : null };
  }
}
