import { useQuery } from '@tanstack/react-query';
import { Empty, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import { scopePath } from '../layout/scope';
import { PageError } from '../ui/page-state';

/** Metrics and alerts belong to a project: without one in the URL, pick one of those the caller can see. */
export default function MetricsProjectPickerPage() {
  const { t } = useTranslation();
  const { client } = useApi();
  const projects = useQuery({
    queryKey: ['metrics', 'projects'],
    queryFn: async () => {
      const tenants = await must(client.GET('/api/v1/tenants', { params: { query: { limit: 500 } } }));
      const lists = await Promise.all(
        tenants.items.map((tenant) =>
          must(client.GET('/api/v1/tenants/{tenant}/projects', { params: { path: { tenant: tenant.name }, query: { limit: 500 } } })),
        ),
      );
      return lists.flatMap((list, index) => list.items.map((project) => ({ tenant: tenants.items[index]?.name ?? '', project })));
    },
  });
  if (projects.error) return <PageError error={projects.error} />;
  return (
    <>
      <Typography.Title level={2}>{t('metrics.title')}</Typography.Title>
      <Typography.Paragraph>{t('metrics.pickProject')}</Typography.Paragraph>
      <Table
        rowKey={(row) => `${row.tenant}/${row.project.name}`}
        loading={projects.isLoading}
        pagination={false}
        dataSource={projects.data ?? []}
        locale={{ emptyText: <Empty description={t('metrics.noProjects')} /> }}
        columns={[
          {
            title: t('namespaces.project'),
            render: (_: unknown, row) => (
              <Link to={`${scopePath({ tenant: row.tenant, project: row.project.name })}/metrics`}>
                {row.project.displayName || row.project.name}
              </Link>
            ),
          },
          { title: t('namespaces.tenant'), dataIndex: 'tenant' },
        ]}
      />
    </>
  );
}
