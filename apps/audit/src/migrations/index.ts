import { ServiceMetadata1764150000000 } from '@cube/service-runtime';
import { Audit1764200000000 } from './1764200000000-audit';
import { Webhooks1765000000000 } from './1765000000000-webhooks';
import { PlatformRequestId1765500000000 } from './1765500000000-platform-request-id';

/** Every migration of this service, oldest first; they run at start. */
export const migrations = [ServiceMetadata1764150000000, Audit1764200000000, Webhooks1765000000000, PlatformRequestId1765500000000];
