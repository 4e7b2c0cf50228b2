import 'reflect-metadata';
import { bootstrapService } from '@cube/service-runtime';
import { entities } from './entities';
import { migrations } from './migrations';
import { TenancyEnvironment } from './tenancy-environment';
import { TenancyModule } from './tenancy.module';

void bootstrapService({
  service: 'tenancy',
  environment: TenancyEnvironment,
  database: { migrations, entities },
  features: [TenancyModule],
});
