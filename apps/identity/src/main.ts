import 'reflect-metadata';
import { bootstrapService } from '@cube/service-runtime';
import { IdentityEnvironment } from './identity-environment';
import { IdentityModule } from './identity.module';
import { entities } from './entities';
import { migrations } from './migrations';

void bootstrapService({
  service: 'identity',
  environment: IdentityEnvironment,
  database: { migrations, entities },
  features: [IdentityModule],
});
