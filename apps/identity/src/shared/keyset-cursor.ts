import { CubeError } from '@cube/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const badCursor = () => new CubeError('BAD_REQUEST', 'cursor is not one this list returned', { fields: [{ field: 'cursor', problems: ['invalid cursor'] }] });

/**
 * Identity's lists page by keyset on (created_at, id): the cursor is the last returned row's key,
 * `created_at` as PostgreSQL's text (exact to the microsecond), so pages stay stable while rows are added.
 */
export function encodeCursor(key: [string, string]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The (created_at, id) a cursor names; BAD_REQUEST on anything `encodeCursor` did not make. */
export function decodeCursor(cursor: string | undefined | null): [string, string] | null {
  if (!cursor) return null;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const valid =
    Array.isArray(key) && key.length === 2 && typeof key[0] === 'string' && !Number.isNaN(Date.parse(key[0])) && typeof key[1] === 'string' && UUID.test(key[1]);
  if (!valid) throw badCursor();
  return key as [string, string];
}
