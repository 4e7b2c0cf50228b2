import { migratedScratchDatabase } from '@cube/persistence';
import { entities } from './hotplug-entities';
import { migrations } from './migrations';

// The entities describe the tables exactly as the migrations made them: TypeORM would change nothing.
describe('hotplug entities', () => {
  it('match the migrated schema', async () => {
    const { db, drop } = await migratedScratchDatabase('hotplug_entities', { schema: 'hotplug', migrations, entities });
    try {
      const pending = await db.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await drop();
    }
  });
});
