import 'reflect-metadata';
import { bootstrapService, DatabaseServiceEnvironment } from '@cube/service-runtime';
import { entities } from './entities';
import { migrations } from './migrations';
import { TenancyModule } from './tenancy.module';

void bootstrapService({
  service: 'tenancy',
  environment: DatabaseServiceEnvironment,
  database: { migrations, entities },
  features: [TenancyModule],
});
