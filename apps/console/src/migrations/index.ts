import { ServiceMetadata1764150000000 } from '@cube/service-runtime';
import { Console1764200000000 } from './1764200000000-console';

/** Every migration of this service, oldest first; they run at start. */
export const migrations = [ServiceMetadata1764150000000, Console1764200000000];
