import { eventSubject } from './events';

/**
 * What Warden needs to answer TokenReview and the quota webhook without the control plane
 * (issue #7, autonomy): KV buckets written by identity and tenancy, watched and cached by Warden.
 */

/** API-token verifiers, keyed by the token's SHA-256 (hex); written by identity, never the token itself. */
export const API_TOKEN_VERIFIERS_BUCKET = 'cube-api-tokens';

/** One usable API token as Warden sees it: deleted from the bucket on revoke, expiry or user disable. */
export interface ApiTokenVerifierEntry {
  user: string;
  groups: string[];
  /** ISO 8601, or null for a token that does not expire; Warden refuses it after this instant. */
  expiresAt: string | null;
}

/**
 * Users whose access tokens Warden refuses before they expire, keyed by user name; written by
 * identity (put on disable or delete, deleted on re-enable or re-create), mirrored by Warden.
 */
export const DISABLED_USERS_BUCKET = 'cube-disabled-users';

/** A disabled or deleted user as Warden sees it. */
export interface DisabledUserEntry {
  user: string;
  /** ISO 8601: when identity first published the user as disabled or deleted. */
  since: string;
}

/** The quota ledger of one member cluster: key = tenant, written by tenancy. */
export const quotaLedgerBucket = (cluster: string) => `cube-ledger-${cluster}`;

/** A tenant's quota in one cluster and what each of its namespaces there holds (ResourceQuota `hard` maps). */
export interface TenantLedgerEntry {
  tenant: string;
  cluster: string;
  hard: Record<string, string>;
  /** Every namespace of the tenant in this cluster; `{}` for one without a quota. */
  namespaces: Record<string, Record<string, string>>;
  /** The tenant quota row's version in tenancy (0 before a quota was set). */
  version: number;
}

/** Identity's own user events after which its publishers update what Warden is told (buckets above). */
export const WardenIdentityEvents = {
  userCreated: eventSubject('identity', 'user', 'created'),
  userUpdated: eventSubject('identity', 'user', 'updated'),
  userDeleted: eventSubject('identity', 'user', 'deleted'),
} as const;

/** The port Warden serves its webhooks on (behind the `cube-system/cube-warden` Service's 443). */
export const WARDEN_WEBHOOK_PORT = 8443;
/** kube-apiserver's `--authentication-token-webhook-config-file` points here. */
export const TOKEN_REVIEW_PATH = '/authenticate';
/** The ValidatingWebhookConfiguration on ResourceQuota calls this path. */
export const QUOTA_WEBHOOK_PATH = '/validate/resourcequotas';
/** Warden's audit webhook (`--audit-webhook-config-file` of the member kube-apiserver): spooled on disk, forwarded over NATS (issue #22). */
export const AUDIT_WEBHOOK_PATH = '/audit';
/** Warden's state directory in its Pod (an emptyDir): the autonomy cache. */
export const WARDEN_STATE_DIR = '/var/lib/cube-warden';
