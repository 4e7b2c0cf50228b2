import { migratedScratchDatabase } from '@cube/persistence';
import { CONSOLE_ENTITIES } from './console.module';
import { migrations } from './migrations';

// The entities describe the tables exactly as the migrations made them: TypeORM would change nothing.
describe('console entities', () => {
  it('match the migrated schema', async () => {
    const { db, drop } = await migratedScratchDatabase('console_entities', { schema: 'console', migrations, entities: CONSOLE_ENTITIES });
    try {
      const pending = await db.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await drop();
    }
  });
});
