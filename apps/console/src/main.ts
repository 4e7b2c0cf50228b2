import 'reflect-metadata';
import { bootstrapService, DatabaseServiceEnvironment } from '@cube/service-runtime';
import { migrations } from './migrations';

void bootstrapService({ service: 'console', environment: DatabaseServiceEnvironment, database: { migrations } });
