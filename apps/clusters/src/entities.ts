import { ClusterEntity } from './clusters/cluster.entity';

/** Every TypeORM entity of this service; `entities.spec.ts` proves they match the migrations. The outbox table is raw SQL (libs/messaging). */
export const entities = [ClusterEntity];
