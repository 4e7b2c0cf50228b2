import { DataSource } from 'typeorm';
import { migratedScratchDatabase } from '@cube/persistence';
import { entities } from '../entities';
import { migrations } from '../migrations';
import { ClusterTokensRepository } from './cluster-tokens.repository';

// The audit webhook tokens against the machine's PostgreSQL, in a database of their own with audit's migrations.
describe('ClusterTokensRepository', () => {
  let db: DataSource;
  let drop: () => Promise<void>;
  let tokens: ClusterTokensRepository;

  beforeAll(async () => {
    ({ db, drop } = await migratedScratchDatabase('audit_cluster_tokens', { schema: 'audit', migrations, entities }));
    tokens = new ClusterTokensRepository(db);
  });

  afterAll(async () => {
    await drop();
  });

  it('matches only the latest token set for a cluster, and none once deleted', async () => {
    expect(await tokens.matches('east', 'first')).toBe(false);
    await tokens.set('east', 'first');
    expect(await tokens.matches('east', 'first')).toBe(true);
    await tokens.set('east', 'second');
    expect(await tokens.matches('east', 'first')).toBe(false);
    expect(await tokens.matches('east', 'second')).toBe(true);
    expect(await tokens.matches('west', 'second')).toBe(false);
    await tokens.delete('east');
    expect(await tokens.matches('east', 'second')).toBe(false);
  });
});
