import 'reflect-metadata';
import { bootstrapService, DatabaseServiceEnvironment } from '@cube/service-runtime';
import { migrations } from './migrations';
import { TenancyModule } from './tenancy.module';

void bootstrapService({ service: 'tenancy', environment: DatabaseServiceEnvironment, database: { migrations }, features: [TenancyModule] });
