import 'reflect-metadata';
import { bootstrapService } from '@cube/service-runtime';
import { ClustersEnvironment } from './clusters-environment';
import { ClustersModule } from './clusters.module';
import { entities } from './entities';
import { migrations } from './migrations';

void bootstrapService({
  service: 'clusters',
  environment: ClustersEnvironment,
  database: { migrations, entities },
  features: [ClustersModule],
});
