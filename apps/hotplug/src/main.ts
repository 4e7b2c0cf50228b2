import 'reflect-metadata';
import { bootstrapService } from '@cube/service-runtime';
import { entities } from './hotplug-entities';
import { HotplugEnvironment } from './hotplug-environment';
import { HotplugModule } from './hotplug.module';
import { migrations } from './migrations';

void bootstrapService({
  service: 'hotplug',
  environment: HotplugEnvironment,
  database: { migrations, entities },
  features: [HotplugModule],
});
