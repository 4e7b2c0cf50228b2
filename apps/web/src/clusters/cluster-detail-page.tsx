import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Flex, Space, Table, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import { useMe } from '../auth/me';
import { age } from '../ui/age';
import { DeleteButton } from '../ui/confirm-delete';
import { PageError, PageLoading, errorMessage } from '../ui/page-state';
import { StatusTag } from '../ui/status-tag';
import { kubeRequest, type KubeList } from '../workloads/kube-api';
import { clusterKeys, useCluster } from './cluster-queries';
import { downloadKubeconfig } from '../access/kubeconfig-download';
import { ClusterComponentsPanel } from '../hotplug/cluster-components-panel';

export default function ClusterDetailPage() {
  const { t } = useTranslation();
  const { cluster: name = '' } = useParams();
  const api = useApi();
  const { ability } = useMe();
  const navigate = useNavigate();
  // The open tab is in the URL (?tab=components), so it can be bookmarked and survives a reload.
  const [search, setSearch] = useSearchParams();
  const queryClient = useQueryClient();
  const cluster = useCluster(name);
  // Nodes are read as the caller through the native proxy; a caller without the right sees why.
  const nodes = useQuery({
    queryKey: ['kube', name, 'nodes'],
    queryFn: () => kubeRequest<KubeList>(api, name, '/api/v1/nodes'),
    enabled: cluster.isSuccess,
  });
  const remove = useMutation({
    mutationFn: () => must(api.client.DELETE('/api/v1/clusters/{cluster}', { params: { path: { cluster: name } } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: clusterKeys.all });
      void navigate('/clusters');
    },
  });
  if (cluster.error) return <PageError error={cluster.error} />;
  if (!cluster.data) return <PageLoading />;
  const c = cluster.data;
  const resources = [...new Set([...Object.keys(c.capacity ?? {}), ...Object.keys(c.allocated ?? {})])].sort();
  const overview = (
    <>
      <Card>
        <Descriptions column={2}>
          <Descriptions.Item label={t('common.name')}>{c.name}</Descriptions.Item>
          <Descriptions.Item label={t('common.description')}>{c.description || '—'}</Descriptions.Item>
          <Descriptions.Item label={t('clusters.kubernetesVersion')}>{c.kubernetesVersion ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('clusters.wardenVersion')}>{c.wardenVersion ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('clusters.nodes')}>{c.nodes ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('clusters.lastHeartbeat')}>
            {c.lastHeartbeat ? `${new Date(c.lastHeartbeat).toLocaleString()} (${t('common.ago', { age: age(c.lastHeartbeat) })})` : '—'}
          </Descriptions.Item>
          <Descriptions.Item label={t('common.created')}>{new Date(c.createdAt).toLocaleString()}</Descriptions.Item>
        </Descriptions>
      </Card>
      {c.syncErrors?.length ? (
        <Alert
          style={{ marginTop: 16 }}
          type="warning"
          showIcon
          message={t('clusters.syncErrors')}
          description={<pre style={{ whiteSpace: 'pre-wrap' }}>{JSON.stringify(c.syncErrors, null, 2)}</pre>}
        />
      ) : null}
      <Card title={t('clusters.capacity')} style={{ marginTop: 16 }}>
        <Table
          rowKey="resource"
          pagination={false}
          size="small"
          dataSource={resources.map((resource) => ({
            resource,
            capacity: c.capacity?.[resource] ?? '—',
            allocated: c.allocated?.[resource] ?? '—',
          }))}
          columns={[
            { title: t('quota.resource'), dataIndex: 'resource' },
            { title: t('clusters.capacityColumn'), dataIndex: 'capacity' },
            { title: t('quota.allocated'), dataIndex: 'allocated' },
          ]}
        />
      </Card>
      <Card title={t('clusters.nodeList')} style={{ marginTop: 16 }}>
        {nodes.error ? (
          <Typography.Text type="secondary">{errorMessage(nodes.error)}</Typography.Text>
        ) : (
          <Table
            rowKey={(node) => node.metadata.name}
            loading={nodes.isLoading}
            pagination={false}
            size="small"
            dataSource={nodes.data?.items ?? []}
            columns={[
              { title: t('common.name'), render: (_: unknown, node) => node.metadata.name },
              { title: t('common.age'), render: (_: unknown, node) => age(node.metadata.creationTimestamp) },
            ]}
          />
        )}
      </Card>
    </>
  );
  return (
    <>
      <Flex justify="space-between" align="center">
        <Typography.Title level={2}>
          {c.displayName || c.name} <StatusTag status={c.status} />
        </Typography.Title>
        <Space>
          <Button onClick={() => void downloadKubeconfig(api, name)}>{t('clusters.downloadKubeconfig')}</Button>
          {ability.can('delete', 'Cluster') ? <DeleteButton name={c.name} onConfirm={() => remove.mutateAsync()} /> : null}
        </Space>
      </Flex>
      <Tabs
        activeKey={search.get('tab') ?? 'overview'}
        onChange={(tab) => setSearch(tab === 'overview' ? {} : { tab }, { replace: true })}
        items={[
          { key: 'overview', label: t('clusters.overview'), children: overview },
          { key: 'components', label: t('clusters.components'), children: <ClusterComponentsPanel cluster={name} /> },
        ]}
      />
    </>
  );
}
