import { useQuery } from '@tanstack/react-query';
import { must } from '../api/api';
import { useApi } from '../api/api-context';

export const tenancyKeys = {
  tenants: ['tenants'] as const,
  tenant: (tenant: string) => ['tenants', 'one', tenant] as const,
  quotas: (tenant: string) => ['tenants', 'one', tenant, 'quotas'] as const,
  members: (tenant: string) => ['tenants', 'one', tenant, 'members'] as const,
  projects: (tenant: string) => ['tenants', 'one', tenant, 'projects'] as const,
  project: (tenant: string, project: string) => ['tenants', 'one', tenant, 'projects', project] as const,
  namespaces: (tenant: string, project: string) => ['tenants', 'one', tenant, 'projects', project, 'namespaces'] as const,
  roles: ['roles'] as const,
};

export function useTenant(tenant: string) {
  const { client } = useApi();
  return useQuery({
    queryKey: tenancyKeys.tenant(tenant),
    queryFn: () => must(client.GET('/api/v1/tenants/{tenant}', { params: { path: { tenant } } })),
  });
}

export function useTenantQuotas(tenant: string) {
  const { client } = useApi();
  return useQuery({
    queryKey: tenancyKeys.quotas(tenant),
    queryFn: () => must(client.GET('/api/v1/tenants/{tenant}/quotas', { params: { path: { tenant } } })),
    // `used` comes from Warden's heartbeats: keep it fresh while the page is open.
    refetchInterval: 10_000,
  });
}

export function useProjects(tenant: string) {
  const { client } = useApi();
  return useQuery({
    queryKey: tenancyKeys.projects(tenant),
    queryFn: () => must(client.GET('/api/v1/tenants/{tenant}/projects', { params: { path: { tenant }, query: { limit: 500 } } })),
  });
}

export function useRoles() {
  const { client } = useApi();
  return useQuery({ queryKey: tenancyKeys.roles, queryFn: () => must(client.GET('/api/v1/roles')), staleTime: Infinity });
}
