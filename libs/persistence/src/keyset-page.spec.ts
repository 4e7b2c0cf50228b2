import { CubeError } from '@cube/contracts';
import { Keyset } from './keyset-page';

const BY_TIME_AND_ID = new Keyset<[string, string]>(['timestamp', 'uuid']);
const BY_NAME = new Keyset<[string]>(['text']);
const ID = '0b7c6f7e-5d1a-4c3e-9f43-6a1d8c2b9e10';

function refusal(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('Keyset', () => {
  it('gives back the key a page ended on', () => {
    const rows = [
      { at: '2026-12-03 09:00:00.000001+00', id: ID, name: 'a' },
      { at: '2026-12-03 09:00:00.000002+00', id: ID, name: 'b' },
      { at: '2026-12-03 09:00:00.000003+00', id: ID, name: 'c' },
    ];
    const page = BY_TIME_AND_ID.page(
      rows,
      2,
      (row) => [row.at, row.id],
      (row) => row.name,
    );
    expect(page.items).toEqual(['a', 'b']);
    expect(BY_TIME_AND_ID.decode(page.nextCursor)).toEqual(['2026-12-03 09:00:00.000002+00', ID]);
  });

  it('ends the list when no extra row was read', () => {
    expect(
      BY_NAME.page(
        [{ name: 'a' }, { name: 'b' }],
        2,
        (row) => [row.name],
        (row) => row.name,
      ),
    ).toEqual({ items: ['a', 'b'], nextCursor: null });
    expect(
      BY_NAME.page(
        [],
        2,
        (row: { name: string }) => [row.name],
        (row) => row.name,
      ),
    ).toEqual({ items: [], nextCursor: null });
  });

  it('reads no cursor as the first page', () => {
    expect(BY_NAME.decode(undefined)).toBeNull();
    expect(BY_NAME.decode(null)).toBeNull();
    expect(BY_NAME.decode('')).toBeNull();
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor'],
    ['a key of another arity', BY_TIME_AND_ID.encode(['2026-12-03 09:00:00+00', ID])],
    ['a non-string part', Buffer.from(JSON.stringify([1])).toString('base64url')],
    ['an object', Buffer.from(JSON.stringify({ name: 'a' })).toString('base64url')],
  ])('refuses %s with a 400 naming the cursor', (_case, cursor) => {
    const error = refusal(() => BY_NAME.decode(cursor));
    expect(error).toBeInstanceOf(CubeError);
    expect(error).toMatchObject({ code: 'BAD_REQUEST', details: { fields: [{ field: 'cursor', problems: ['invalid cursor'] }] } });
  });

  it('checks each part against its kind', () => {
    expect(refusal(() => BY_TIME_AND_ID.decode(BY_TIME_AND_ID.encode(['yesterday', ID])))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(refusal(() => BY_TIME_AND_ID.decode(BY_TIME_AND_ID.encode(['2026-12-03 09:00:00+00', 'not-a-uuid'])))).toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(BY_TIME_AND_ID.decode(BY_TIME_AND_ID.encode(['2026-12-03 09:00:00+00', ID]))).toEqual(['2026-12-03 09:00:00+00', ID]);
  });
});
