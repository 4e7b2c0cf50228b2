import { useQueryClient } from '@tanstack/react-query';
import { Cascader } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import { scopeFromPath, scopePath } from './scope';

interface Option {
  value: string;
  label: string;
  isLeaf?: boolean;
  children?: Option[];
}

/**
 * Tenant → project → cluster/namespace, each level loaded from the API when opened, so it lists
 * only what the caller can see (the API filters every list by the caller's bindings).
 */
export function ScopeSwitcher() {
  const { t } = useTranslation();
  const { client } = useApi();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const scope = scopeFromPath(location.pathname);
  const [options, setOptions] = useState<Option[]>([]);

  useEffect(() => {
    void queryClient
      .fetchQuery({
        queryKey: ['tenants', 'all'],
        queryFn: () => must(client.GET('/api/v1/tenants', { params: { query: { limit: 500 } } })),
      })
      .then((page) =>
        setOptions(page.items.map((tenant) => ({ value: tenant.name, label: tenant.displayName || tenant.name, isLeaf: false }))),
      )
      .catch(() => setOptions([]));
  }, [client, queryClient]);

  const loadData = async (path: Option[]) => {
    const target = path[path.length - 1];
    if (!target) return;
    if (path.length === 1) {
      const page = await must(
        client.GET('/api/v1/tenants/{tenant}/projects', { params: { path: { tenant: target.value }, query: { limit: 500 } } }),
      );
      target.children = page.items.map((project) => ({ value: project.name, label: project.displayName || project.name, isLeaf: false }));
    } else if (path.length === 2) {
      const tenant = path[0]?.value ?? '';
      const page = await must(
        client.GET('/api/v1/tenants/{tenant}/projects/{project}/namespaces', {
          params: { path: { tenant, project: target.value }, query: { limit: 500 } },
        }),
      );
      target.children = page.items.map((ns) => ({ value: `${ns.cluster}/${ns.name}`, label: `${ns.name} (${ns.cluster})`, isLeaf: true }));
    }
    setOptions((current) => [...current]);
  };

  const value = [scope.tenant, scope.project, scope.cluster && scope.namespace ? `${scope.cluster}/${scope.namespace}` : undefined].filter(
    (part): part is string => part !== undefined,
  );

  return (
    <Cascader
      aria-label={t('scope.label')}
      placeholder={t('scope.placeholder')}
      options={options}
      loadData={(path) => void loadData(path as Option[])}
      changeOnSelect
      value={value}
      style={{ width: 360 }}
      onChange={(selected) => {
        const [tenant, project, clusterNamespace] = (selected ?? []).map(String);
        const [cluster, namespace] = clusterNamespace ? clusterNamespace.split('/') : [];
        const path = scopePath({ tenant, project, cluster, namespace });
        void navigate(cluster ? `${path}/pods` : path);
      }}
    />
  );
}
