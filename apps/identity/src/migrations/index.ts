import { ServiceMetadata1764150000000 } from '@cube/service-runtime';
import { Identity1764160000000 } from './1764160000000-identity';
import { ExternalLogin1764170000000 } from './1764170000000-external-login';
import { EventOutbox1764180000000 } from './1764180000000-event-outbox';
import { ApiTokenPages1764190000000 } from './1764190000000-api-token-pages';

/** Every migration of this service, oldest first; they run at start. */
export const migrations = [
  ServiceMetadata1764150000000,
  Identity1764160000000,
  ExternalLogin1764170000000,
  EventOutbox1764180000000,
  ApiTokenPages1764190000000,
];
