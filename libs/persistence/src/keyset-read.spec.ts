import { DataSource, EntitySchema } from 'typeorm';
import { Keyset } from './keyset-page';
import type { Page } from '@cube/contracts';
import { migratedScratchDatabase } from './scratch-database';

interface Item {
  id: string;
  createdAt: Date;
  owner: string;
}

const ITEM = new EntitySchema<Item>({
  name: 'KeysetItem',
  tableName: 'keyset_items',
  schema: 'keyset_spec',
  columns: {
    id: { type: 'uuid', primary: true },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    owner: { type: 'text' },
  },
});

const BY_CREATION = new Keyset<[createdAt: string, id: string]>(['timestamp', 'uuid']);

// Keyset.read against the real PostgreSQL: rows one microsecond apart and rows sharing a timestamp
// page without a gap or a repeat, both ways, and the caller's own conditions and parameters stay.
describe('Keyset.read', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  const mine: string[] = [];

  beforeAll(async () => {
    ({ db, drop } = await migratedScratchDatabase('keyset_read', { schema: 'keyset_spec', migrations: [], entities: [ITEM] }));
    await db.query(`CREATE TABLE keyset_spec.keyset_items (id uuid PRIMARY KEY, created_at timestamptz NOT NULL, owner text NOT NULL)`);
    // Seven of alice's rows: two share a timestamp, the others are a microsecond apart; one of bob's in between.
    await db.query(`
      INSERT INTO keyset_spec.keyset_items (id, created_at, owner) VALUES
        ('00000000-0000-4000-8000-000000000001', '2026-12-03 09:00:00.000001+00', 'alice'),
        ('00000000-0000-4000-8000-000000000003', '2026-12-03 09:00:00.000002+00', 'alice'),
        ('00000000-0000-4000-8000-000000000002', '2026-12-03 09:00:00.000002+00', 'alice'),
        ('00000000-0000-4000-8000-000000000009', '2026-12-03 09:00:00.000003+00', 'bob'),
        ('00000000-0000-4000-8000-000000000004', '2026-12-03 09:00:00.000004+00', 'alice'),
        ('00000000-0000-4000-8000-000000000005', '2026-12-03 09:00:00.000005+00', 'alice'),
        ('00000000-0000-4000-8000-000000000006', '2026-12-03 09:00:00.000006+00', 'alice'),
        ('00000000-0000-4000-8000-000000000007', '2026-12-03 09:00:00.000007+00', 'alice')`);
    mine.push(...[1, 2, 3, 4, 5, 6, 7].map((n) => `00000000-0000-4000-8000-00000000000${n}`));
  });

  afterAll(() => drop?.());

  const readAll = async (order: 'ASC' | 'DESC') => {
    const seen: string[] = [];
    const keys: [string, string][] = [];
    let cursor: string | null = null;
    do {
      const query = db.getRepository(ITEM).createQueryBuilder('i').where('i.owner = :owner', { owner: 'alice' });
      const rows = await BY_CREATION.read(query, ['i.createdAt', 'i.id'], BY_CREATION.decode(cursor), 3, order);
      const page: Page<string> = BY_CREATION.page(
        rows,
        2,
        (r) => r.key,
        (r) => r.row.id,
      );
      seen.push(...page.items);
      keys.push(...rows.slice(0, 2).map((r) => r.key));
      cursor = page.nextCursor;
    } while (cursor);
    return { seen, keys };
  };

  it('pages oldest first past each cursor, ties broken by id, with microsecond keys', async () => {
    const { seen, keys } = await readAll('ASC');
    expect(seen).toEqual(mine);
    expect(keys[1]).toEqual(['2026-12-03 09:00:00.000002+00', '00000000-0000-4000-8000-000000000002']);
  });

  it('pages newest first with the comparison turned', async () => {
    expect((await readAll('DESC')).seen).toEqual([...mine].reverse());
  });

  it('refuses columns that do not match the key', async () => {
    const query = db.getRepository(ITEM).createQueryBuilder('i');
    await expect(BY_CREATION.read(query, ['i.createdAt'] as unknown as [string, string], null, 1)).rejects.toThrow(
      'a keyset of 2 parts ordered by 1 columns',
    );
  });
});
