import 'reflect-metadata';
import { bootstrapService, WardenEnvironment } from '@cube/service-runtime';

// Warden runs inside each member cluster and keeps no PostgreSQL: its state comes over NATS.
void bootstrapService({ service: 'warden', environment: WardenEnvironment });
