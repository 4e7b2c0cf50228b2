import { CubeError, Page } from '@cube/contracts';

export const DEFAULT_PAGE_SIZE = 50;

/** A cursor is the sort key of the last item returned, so pages stay stable while rows are added. */
export function decodeCursor(cursor: string | undefined, arity: number): string[] | null {
  if (!cursor) return null;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity && key.every((part) => typeof part === 'string')) return key as string[];
  } catch {
    // fall through to the error below
  }
  throw new CubeError('BAD_REQUEST', 'cursor is not one this list returned', { fields: [{ field: 'cursor', problems: ['invalid cursor'] }] });
}

/** Rows were read with `limit + 1`: the extra one only says whether another page exists. */
export function pageOf<TRow, TItem>(rows: TRow[], limit: number, keyOf: (row: TRow) => string[], toItem: (row: TRow) => TItem): Page<TItem> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor = rows.length > limit && last ? Buffer.from(JSON.stringify(keyOf(last))).toString('base64url') : null;
  return { items: items.map(toItem), nextCursor };
}
