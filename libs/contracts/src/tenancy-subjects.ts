import type { RoleBinding } from './identity';

/**
 * Request-reply subjects of the tenancy service. Payloads travel inside an Envelope; each names
 * its payload → reply. Path parameters travel beside the body (`{ tenant, body }`).
 */
export const TenancySubjects = {
  tenantList: 'cube.tenancy.tenant.list', // PageRequest → Page<Tenant>
  tenantGet: 'cube.tenancy.tenant.get', // { tenant } → Tenant
  tenantCreate: 'cube.tenancy.tenant.create', // CreateTenantBody → Tenant
  tenantUpdate: 'cube.tenancy.tenant.update', // { tenant, body: UpdateTenancyObjectBody } → Tenant
  tenantDelete: 'cube.tenancy.tenant.delete', // { tenant, cascade? } → null
  tenantMembers: 'cube.tenancy.tenant.members', // { tenant, limit?, cursor? } → Page<RoleBinding>
  projectList: 'cube.tenancy.project.list', // { tenant, limit?, cursor? } → Page<Project>
  projectGet: 'cube.tenancy.project.get', // { tenant, project } → Project
  projectCreate: 'cube.tenancy.project.create', // { tenant, body: CreateProjectBody } → Project
  projectUpdate: 'cube.tenancy.project.update', // { tenant, project, body } → Project
  projectDelete: 'cube.tenancy.project.delete', // { tenant, project, cascade? } → null
  namespaceList: 'cube.tenancy.namespace.list', // { tenant?, project?, cluster?, limit?, cursor? } → Page<Namespace>
  namespaceListInProject: 'cube.tenancy.namespace.list-in-project', // { tenant, project, limit?, cursor? } → Page<Namespace> (404 when the project is not visible)
  namespaceGet: 'cube.tenancy.namespace.get', // { tenant, project, cluster, namespace } → Namespace
  namespaceCreate: 'cube.tenancy.namespace.create', // { tenant, project, body: CreateNamespaceBody } → Namespace
  namespaceDelete: 'cube.tenancy.namespace.delete', // { tenant, project, cluster, namespace } → null
  namespaceQuotaSet: 'cube.tenancy.namespace.set-quota', // { tenant, project, cluster, namespace, body: QuotaBody } → Namespace
  tenantQuotaList: 'cube.tenancy.quota.list', // { tenant } → Page<TenantQuota>
  tenantQuotaSet: 'cube.tenancy.quota.set', // { tenant, cluster, body: QuotaBody } → TenantQuota
} as const;

export interface Tenant {
  name: string;
  displayName: string;
  description: string;
  labels: Record<string, string>;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface Project extends Tenant {
  tenant: string;
  /** Per cluster, the sum of the quotas of the project's namespaces. */
  quota: Record<string, Record<string, string>>;
}

export interface Namespace {
  name: string;
  cluster: string;
  tenant: string;
  project: string;
  quota: { hard: Record<string, string> } | null;
  createdBy: string;
  createdAt: string;
  version: number;
}

export interface TenantQuota {
  cluster: string;
  hard: Record<string, string>;
  allocated: Record<string, string>;
  free: Record<string, string>;
  used: Record<string, string>;
}

/** Data of `cube.events.tenancy.quota.changed`: a tenant's share of a cluster or a namespace's share of it. */
export interface QuotaChange {
  level: 'tenant' | 'namespace';
  tenant: string;
  cluster: string;
  project?: string;
  namespace?: string;
  hard: Record<string, string>;
}

export type TenantMember = RoleBinding;
