import { migratedScratchDatabase } from '@cube/persistence';
import { entities } from './entities';
import { migrations } from './migrations';

// The entities describe the tables exactly as the migrations made them: TypeORM would change nothing.
describe('audit entities', () => {
  it('match the migrated schema', async () => {
    const { db, drop } = await migratedScratchDatabase('audit_entities', { schema: 'audit', migrations, entities });
    try {
      const pending = await db.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await drop();
    }
  });
});
