import type { BindingScopeKind, RoleName } from '@cube/contracts';

/**
 * Cube's own objects as CASL sees them. Every object carries the tenant/project it lives in as
 * plain attributes, so one rule condition such as `{ tenant: 'acme' }` scopes a role binding to it.
 */
export const PLATFORM_ACTIONS = ['manage', 'create', 'read', 'update', 'delete'] as const;
export type PlatformAction = (typeof PLATFORM_ACTIONS)[number];

export const PLATFORM_SUBJECT_KINDS = [
  'Tenant',
  'Project',
  'Namespace',
  'Quota',
  'Cluster',
  'User',
  'RoleBinding',
  'ApiToken',
  'AuditEvent',
  'HotplugComponent',
  'ConsoleSession',
  'WebhookSubscription',
] as const;
export type PlatformSubjectKind = (typeof PLATFORM_SUBJECT_KINDS)[number];
/** `all` is CASL's wildcard subject: a rule on it applies to every kind. */
export type PlatformSubjectType = PlatformSubjectKind | 'all';

/** The attributes rules may test, per kind. Services build subjects with `subjectOf`. */
export interface PlatformSubjectAttributes {
  /** A tenant is addressed by its own name in `tenant`, like everything inside it. */
  Tenant: { tenant: string };
  Project: { tenant: string; project: string };
  Namespace: {
    tenant: string;
    project: string;
    cluster: string;
    namespace: string;
  };
  /**
   * `tenant` level: the tenant's share of a cluster (set by platform admins);
   * `namespace` level: a namespace's share of its tenant's quota.
   */
  Quota: {
    level: 'tenant' | 'namespace';
    tenant: string;
    cluster: string;
    project?: string;
    namespace?: string;
  };
  Cluster: { cluster: string };
  User: { user: string };
  /** A binding at tenant or project scope carries that tenant/project; platform bindings carry neither. */
  RoleBinding: {
    role: RoleName;
    scope: BindingScopeKind;
    tenant?: string;
    project?: string;
  };
  ApiToken: { owner: string };
  /** Events about platform objects carry no tenant, so only platform-scope readers see them. */
  AuditEvent: {
    tenant?: string;
    project?: string;
    cluster?: string;
    user?: string;
  };
  HotplugComponent: { cluster: string; component: string };
  ConsoleSession: {
    owner: string;
    tenant: string;
    project: string;
    cluster: string;
    namespace: string;
  };
  /** Outbound event subscriptions are platform objects: no tenant, so only platform-scope roles reach them. */
  WebhookSubscription: { id: string };
}
