import { ServiceMetadata1764150000000 } from '@cube/service-runtime';
import { Clusters1764170000000 } from './1764170000000-clusters';
import { EventOutbox1764190000000 } from './1764190000000-event-outbox';

/** Every migration of this service, oldest first; they run at start. */
export const migrations = [ServiceMetadata1764150000000, Clusters1764170000000, EventOutbox1764190000000];
