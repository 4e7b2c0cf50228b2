import { ServiceMetadata1764150000000 } from '@cube/service-runtime';
import { Tenancy1764170000000 } from './1764170000000-tenancy';
import { EventOutbox1764190000000 } from './1764190000000-event-outbox';
import { Alerts1765000000000 } from './1765000000000-alerts';

/** Every migration of this service, oldest first; they run at start. */
export const migrations = [ServiceMetadata1764150000000, Tenancy1764170000000, EventOutbox1764190000000, Alerts1765000000000];
