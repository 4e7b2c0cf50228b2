import 'reflect-metadata';
import { bootstrapService } from '@cube/service-runtime';
import { ConsoleEnvironment } from './console-environment';
import { CONSOLE_ENTITIES, ConsoleModule } from './console.module';
import { migrations } from './migrations';

void bootstrapService({
  service: 'console',
  environment: ConsoleEnvironment,
  database: { migrations, entities: CONSOLE_ENTITIES },
  features: [ConsoleModule],
});
