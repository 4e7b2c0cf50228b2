import { useQuery } from '@tanstack/react-query';
import { Empty, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import { scopePath } from '../layout/scope';
import { PageError } from '../ui/page-state';
import { kindByKey } from './kinds';

/** Workloads live in a namespace: without one in the URL, pick one of those the caller can see. */
export default function NamespacePickerPage() {
  const { t } = useTranslation();
  const { kind = 'pods' } = useParams();
  const { client } = useApi();
  const namespaces = useQuery({
    queryKey: ['namespaces', 'all'],
    queryFn: () => must(client.GET('/api/v1/namespaces', { params: { query: { limit: 500 } } })),
  });
  if (namespaces.error) return <PageError error={namespaces.error} />;
  const target = kindByKey(kind)?.key ?? 'pods';
  return (
    <>
      <Typography.Title level={2}>{t(`kinds.${target}`)}</Typography.Title>
      <Typography.Paragraph>{t('workloads.pickNamespace')}</Typography.Paragraph>
      <Table
        rowKey={(ns) => `${ns.cluster}/${ns.name}`}
        loading={namespaces.isLoading}
        pagination={false}
        dataSource={namespaces.data?.items ?? []}
        locale={{ emptyText: <Empty description={t('workloads.noNamespaces')} /> }}
        columns={[
          {
            title: t('common.name'),
            render: (_: unknown, ns) => (
              <Link to={`${scopePath({ tenant: ns.tenant, project: ns.project, cluster: ns.cluster, namespace: ns.name })}/${target}`}>
                {ns.name}
              </Link>
            ),
          },
          { title: t('namespaces.cluster'), dataIndex: 'cluster' },
          { title: t('namespaces.tenant'), dataIndex: 'tenant' },
          { title: t('namespaces.project'), dataIndex: 'project' },
        ]}
      />
    </>
  );
}
