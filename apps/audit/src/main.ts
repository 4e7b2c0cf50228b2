import 'reflect-metadata';
import { bootstrapService, DatabaseServiceEnvironment } from '@cube/service-runtime';
import { migrations } from './migrations';

void bootstrapService({ service: 'audit', environment: DatabaseServiceEnvironment, database: { migrations } });
