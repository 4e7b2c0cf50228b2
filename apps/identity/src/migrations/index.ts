import { ServiceMetadata1764150000000 } from '@cube/service-runtime';

/** Every migration of this service, oldest first; they run at start. */
export const migrations = [ServiceMetadata1764150000000];
