import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Descriptions, Empty, Flex, InputNumber, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { stringify } from 'yaml';
import { useApi } from '../api/api-context';
import { scopePath } from '../layout/scope';
import { age } from '../ui/age';
import { DeleteButton } from '../ui/confirm-delete';
import { ErrorAlert, PageError, PageLoading } from '../ui/page-state';
import { kubeRequest, type KubeList, type KubeObject } from './kube-api';
import { kindByKey, resourcePath, type ResourceKind } from './kinds';
import { PodLogs } from './pod-logs';
import { PodTerminal } from '../console/pod-terminal';
import { DataTable } from './secret-data';
import { forApply } from './yaml-apply';
import { YamlEditor } from './yaml-editor';

export default function ResourceDetailPage() {
  const { t } = useTranslation();
  const kind = kindByKey(useParams()['kind']);
  if (!kind) return <PageError error={new Error(t('workloads.unknownKind'))} />;
  return <ResourceDetail key={kind.key} kind={kind} />;
}

function ResourceDetail({ kind }: { kind: ResourceKind }) {
  const { t } = useTranslation();
  const { tenant = '', project = '', cluster = '', namespace = '', name = '' } = useParams();
  const api = useApi();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [revealYaml, setRevealYaml] = useState(false);
  const [replicas, setReplicas] = useState<number | null>(null);
  const key = ['kube', cluster, namespace, kind.key, 'one', name];
  const object = useQuery({
    queryKey: key,
    enabled: Boolean(kind),
    queryFn: () => kubeRequest<KubeObject>(api, cluster, resourcePath(kind, namespace, name)),
  });
  const events = useQuery({
    queryKey: ['kube', cluster, namespace, 'events', 'for', name],
    enabled: kind.kind !== 'Event',
    queryFn: () =>
      kubeRequest<KubeList>(
        api,
        cluster,
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/events?${new URLSearchParams({ fieldSelector: `involvedObject.name=${name}` }).toString()}`,
      ),
  });
  const scale = useMutation({
    mutationFn: (count: number) =>
      kubeRequest<KubeObject>(api, cluster, resourcePath(kind, namespace, name), {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ spec: { replicas: count } }),
      }),
    onSuccess: (updated) => queryClient.setQueryData(key, updated),
  });
  const remove = useMutation({
    mutationFn: () => kubeRequest<unknown>(api, cluster, resourcePath(kind, namespace, name), { method: 'DELETE' }),
    onSuccess: () => void navigate(`${scopePath({ tenant, project, cluster, namespace })}/${kind.key}`),
  });
  if (object.error) return <PageError error={object.error} />;
  if (!object.data) return <PageLoading />;
  const o = object.data;
  const spec = (o['spec'] ?? {}) as { replicas?: number; containers?: { name: string }[] };
  const status = (o['status'] ?? {}) as { phase?: string };
  const data = (o['data'] ?? {}) as Record<string, string>;
  const listPath = `${scopePath({ tenant, project, cluster, namespace })}/${kind.key}`;

  const tabs = [
    ...(kind.kind === 'ConfigMap' || kind.kind === 'Secret'
      ? [{ key: 'data', label: t('workloads.data'), children: <DataTable data={data} secret={Boolean(kind.secret)} /> }]
      : []),
    {
      key: 'yaml',
      label: t('workloads.yaml'),
      children:
        kind.secret && !revealYaml ? (
          <Empty description={t('workloads.secretYamlHidden')}>
            <Button onClick={() => setRevealYaml(true)}>{t('workloads.reveal')}</Button>
          </Empty>
        ) : (
          <YamlEditor
            key={o.metadata.resourceVersion}
            kind={kind}
            cluster={cluster}
            namespace={namespace}
            initial={stringify(forApply(o))}
            onApplied={(updated) => queryClient.setQueryData(key, updated)}
          />
        ),
    },
    ...(kind.logs
      ? [
          {
            key: 'logs',
            label: t('workloads.logs'),
            children: (
              <PodLogs cluster={cluster} namespace={namespace} pod={name} containers={(spec.containers ?? []).map((c) => c.name)} />
            ),
          },
          {
            key: 'terminal',
            label: t('console.terminal'),
            children: (
              <PodTerminal cluster={cluster} namespace={namespace} pod={name} containers={(spec.containers ?? []).map((c) => c.name)} />
            ),
          },
        ]
      : []),
    ...(kind.kind !== 'Event'
      ? [
          {
            key: 'events',
            label: t('kinds.events'),
            children: events.error ? (
              <PageError error={events.error} />
            ) : (
              <Table
                rowKey={(event) => event.metadata.name}
                size="small"
                pagination={false}
                dataSource={events.data?.items ?? []}
                locale={{ emptyText: <Empty description={t('workloads.noEvents')} /> }}
                columns={[
                  { title: t('workloads.reason'), render: (_: unknown, e) => String(e['reason'] ?? '') },
                  { title: t('workloads.message'), render: (_: unknown, e) => String(e['message'] ?? '') },
                  { title: t('common.age'), render: (_: unknown, e) => age(e.metadata.creationTimestamp) },
                ]}
              />
            ),
          },
        ]
      : []),
  ];

  return (
    <>
      <Flex justify="space-between" align="center">
        <Typography.Title level={2}>
          <Link to={listPath}>{t(`kinds.${kind.key}`)}</Link> / {name}
        </Typography.Title>
        <Space>
          {kind.scalable ? (
            <Space.Compact>
              <InputNumber
                aria-label={t('workloads.replicas')}
                min={0}
                value={replicas ?? spec.replicas ?? 0}
                onChange={(value) => setReplicas(value)}
              />
              <Button onClick={() => scale.mutate(replicas ?? spec.replicas ?? 0)} loading={scale.isPending}>
                {t('workloads.scale')}
              </Button>
            </Space.Compact>
          ) : null}
          <DeleteButton name={name} onConfirm={() => remove.mutateAsync()} />
        </Space>
      </Flex>
      <ErrorAlert error={scale.error ?? remove.error} />
      <Card style={{ marginBottom: 16 }}>
        <Descriptions column={2}>
          <Descriptions.Item label={t('common.name')}>{o.metadata.name}</Descriptions.Item>
          <Descriptions.Item label={t('namespaces.namespace')}>{namespace}</Descriptions.Item>
          {status.phase ? <Descriptions.Item label={t('common.status')}>{status.phase}</Descriptions.Item> : null}
          {kind.scalable ? <Descriptions.Item label={t('workloads.replicas')}>{spec.replicas ?? 0}</Descriptions.Item> : null}
          <Descriptions.Item label={t('common.age')}>{age(o.metadata.creationTimestamp)}</Descriptions.Item>
          <Descriptions.Item label={t('workloads.managers')}>
            {[...new Set((o.metadata.managedFields ?? []).map((m) => m.manager).filter(Boolean))].join(', ') || '—'}
          </Descriptions.Item>
          <Descriptions.Item label={t('workloads.labels')} span={2}>
            <Space size={[0, 4]} wrap>
              {Object.entries(o.metadata.labels ?? {}).map(([k, v]) => (
                <Tag key={k}>{`${k}=${v}`}</Tag>
              ))}
            </Space>
          </Descriptions.Item>
        </Descriptions>
      </Card>
      <Tabs items={tabs} />
    </>
  );
}
