import 'reflect-metadata';
import { bootstrapService } from '@cube/service-runtime';
import { AuditEnvironment } from './audit-environment';
import { AuditModule } from './audit.module';
import { entities } from './entities';
import { migrations } from './migrations';

void bootstrapService({ service: 'audit', environment: AuditEnvironment, database: { migrations, entities }, features: [AuditModule] });
