import { ROLE_NAMES, type BindingScopeKind, type RoleName } from '@cube/contracts';
import {
  ADMIN_NATIVE_RULES,
  MEMBER_NATIVE_RULES,
  PLATFORM_ADMIN_NATIVE_RULES,
  VIEWER_NATIVE_RULES,
  type NativePolicyRule,
} from './native-rules';
import type { PlatformAction, PlatformSubjectType } from './platform-subjects';

/**
 * A platform rule before it is bound to a scope. It stays plain data, so `GET /api/v1/roles` can
 * return it as is; `defineAbilityFor` turns it into CASL rules with the binding's tenant/project.
 */
export interface PlatformRuleTemplate {
  action: PlatformAction | PlatformAction[];
  subject: PlatformSubjectType | PlatformSubjectType[];
  /**
   * How far the binding's scope narrows the rule (ignored at platform scope, which narrows nothing):
   * `scope` (default) adds the binding's tenant and project; `tenant` adds only its tenant (a
   * project member reads the tenant it belongs to); `none` adds nothing (the cluster list).
   */
  narrowTo?: 'scope' | 'tenant' | 'none';
  /** Extra fixed conditions, e.g. `{ level: 'namespace' }` on quota. */
  where?: Record<string, string>;
  /** Only at these scope kinds (e.g. what a platform auditor reads beyond a tenant viewer). */
  onlyAt?: BindingScopeKind[];
  fields?: string[];
}

export interface BuiltInRole {
  name: RoleName;
  description: string;
  /** platform-admin 5 > tenant-admin 4 > project-admin 3 > member 2 > viewer 1: the grant policy compares these. */
  rank: number;
  /** The scope kinds a binding of this role may have. */
  scopes: BindingScopeKind[];
  platformRules: PlatformRuleTemplate[];
  /** Rules of the `cube:<role>` ClusterRole in every member cluster. */
  nativeRules: readonly NativePolicyRule[];
}

/**
 * Each role includes every right of the role ranked below it at the same scope, so rank order
 * and power order agree (a test checks it); the grant policy relies on that.
 */
const VIEWER_RULES: PlatformRuleTemplate[] = [
  { action: 'read', subject: 'Tenant', narrowTo: 'tenant' },
  { action: 'read', subject: ['Project', 'Namespace', 'Quota', 'RoleBinding'] },
  // Every tenant user picks a cluster when creating a namespace or opening a console.
  { action: 'read', subject: 'Cluster', narrowTo: 'none' },
  // A platform-scope viewer is the auditor: reads everything, changes nothing.
  { action: 'read', subject: 'all', onlyAt: ['platform'] },
];

const MEMBER_RULES: PlatformRuleTemplate[] = [
  ...VIEWER_RULES,
  // A member may exec into pods natively (`edit`), so may open a WebConsole in their namespaces.
  { action: 'create', subject: 'ConsoleSession' },
];

const PROJECT_ADMIN_RULES: PlatformRuleTemplate[] = [
  ...MEMBER_RULES,
  { action: 'update', subject: 'Project' },
  { action: 'manage', subject: ['Namespace', 'RoleBinding', 'ConsoleSession'] },
  // A namespace's share of the tenant quota; the tenant's own share is the platform admin's.
  { action: 'update', subject: 'Quota', where: { level: 'namespace' } },
  // ...which they hand out from their tenant's free share, so they see that share too.
  {
    action: 'read',
    subject: 'Quota',
    narrowTo: 'tenant',
    where: { level: 'tenant' },
  },
  { action: 'read', subject: 'AuditEvent' },
];

const TENANT_ADMIN_RULES: PlatformRuleTemplate[] = [
  ...PROJECT_ADMIN_RULES,
  { action: 'update', subject: 'Tenant', narrowTo: 'tenant' },
  { action: 'manage', subject: 'Project' },
];

/**
 * The built-in roles. Scopes follow KubeCube's model (platform-admin, tenant-admin, project-admin,
 * reviewer bound through RoleBindings in the tenant's or project's namespaces):
 * - platform-admin only at platform scope (KubeCube's platform-admin, a ClusterRoleBinding);
 * - tenant-admin only at tenant scope, project-admin only at project scope: an admin of a narrower
 *   scope is the narrower role, so each admin role has exactly one home scope;
 * - member and viewer at tenant scope (every project of the tenant) or project scope;
 * - viewer also at platform scope, as a read-only auditor of the whole platform (KubeCube's
 *   reviewer at cluster level); member is not, since write access everywhere is an admin's job.
 */
export const BUILT_IN_ROLES: Readonly<Record<RoleName, BuiltInRole>> = {
  'platform-admin': {
    name: 'platform-admin',
    description: 'Everything on the platform and cluster-admin in every member cluster.',
    rank: 5,
    scopes: ['platform'],
    platformRules: [{ action: 'manage', subject: 'all' }],
    nativeRules: PLATFORM_ADMIN_NATIVE_RULES,
  },
  'tenant-admin': {
    name: 'tenant-admin',
    description: "Manages a tenant's projects, namespaces and members; admin in every namespace of the tenant.",
    rank: 4,
    scopes: ['tenant'],
    platformRules: TENANT_ADMIN_RULES,
    nativeRules: ADMIN_NATIVE_RULES,
  },
  'project-admin': {
    name: 'project-admin',
    description: "Manages a project's namespaces and members; admin in every namespace of the project.",
    rank: 3,
    scopes: ['project'],
    platformRules: PROJECT_ADMIN_RULES,
    nativeRules: ADMIN_NATIVE_RULES,
  },
  member: {
    name: 'member',
    description: 'Deploys and operates workloads (Kubernetes edit) in the namespaces of a tenant or project.',
    rank: 2,
    scopes: ['tenant', 'project'],
    platformRules: MEMBER_RULES,
    nativeRules: MEMBER_NATIVE_RULES,
  },
  viewer: {
    name: 'viewer',
    description: 'Reads a tenant or project (Kubernetes view); at platform scope, a read-only auditor.',
    rank: 1,
    scopes: ['platform', 'tenant', 'project'],
    platformRules: VIEWER_RULES,
    nativeRules: VIEWER_NATIVE_RULES,
  },
};

export function isRoleName(value: string): value is RoleName {
  return (ROLE_NAMES as readonly string[]).includes(value);
}

export function roleAllowsScope(role: RoleName, scope: BindingScopeKind): boolean {
  return BUILT_IN_ROLES[role].scopes.includes(scope);
}

/** The member-cluster ClusterRole of a role: `cube:` keeps it apart from Kubernetes' own roles. */
export function clusterRoleName(role: RoleName): string {
  return `cube:${role}`;
}

export interface ClusterRoleManifest {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'ClusterRole';
  metadata: { name: string; labels: Record<string, string> };
  rules: NativePolicyRule[];
}

/** The ClusterRole Warden applies in each member cluster for `role`. */
export function clusterRoleManifest(role: RoleName): ClusterRoleManifest {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {
      name: clusterRoleName(role),
      labels: { 'app.kubernetes.io/managed-by': 'cube', 'cube.io/role': role },
    },
    // Copies, so a caller editing the manifest cannot change the catalogue.
    rules: BUILT_IN_ROLES[role].nativeRules.map((rule) => structuredClone(rule)),
  };
}
