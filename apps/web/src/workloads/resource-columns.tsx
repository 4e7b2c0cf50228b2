import { Space, Tag } from 'antd';
import type { TFunction } from 'i18next';
import { age } from '../ui/age';
import { StatusTag } from '../ui/status-tag';
import type { KubeObject } from './kube-api';
import type { ResourceKind } from './kinds';

type Any = Record<string, unknown>;
const field = (object: KubeObject, ...path: string[]): unknown =>
  path.reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Any)[key] : undefined), object);

/** The kind-specific columns of a list, after the name (the same summary kubectl get prints). */
export function kindColumns(kind: ResourceKind, t: TFunction) {
  const columns: { title: string; key: string; render: (_: unknown, object: KubeObject) => React.ReactNode }[] = [];
  switch (kind.kind) {
    case 'Pod':
      columns.push({
        title: t('common.status'),
        key: 'phase',
        render: (_, o) => <StatusTag status={String(field(o, 'status', 'phase') ?? 'Pending')} />,
      });
      break;
    case 'Deployment':
    case 'StatefulSet':
      columns.push({
        title: t('workloads.ready'),
        key: 'ready',
        render: (_, o) => `${Number(field(o, 'status', 'readyReplicas') ?? 0)}/${Number(field(o, 'spec', 'replicas') ?? 0)}`,
      });
      break;
    case 'DaemonSet':
      columns.push({
        title: t('workloads.ready'),
        key: 'ready',
        render: (_, o) => `${Number(field(o, 'status', 'numberReady') ?? 0)}/${Number(field(o, 'status', 'desiredNumberScheduled') ?? 0)}`,
      });
      break;
    case 'Job':
      columns.push({
        title: t('workloads.completions'),
        key: 'completions',
        render: (_, o) => `${Number(field(o, 'status', 'succeeded') ?? 0)}/${Number(field(o, 'spec', 'completions') ?? 1)}`,
      });
      break;
    case 'Service':
      columns.push({ title: t('workloads.type'), key: 'type', render: (_, o) => String(field(o, 'spec', 'type') ?? 'ClusterIP') });
      columns.push({ title: t('workloads.clusterIP'), key: 'ip', render: (_, o) => String(field(o, 'spec', 'clusterIP') ?? '—') });
      break;
    case 'ConfigMap':
      columns.push({
        title: t('workloads.keys'),
        key: 'keys',
        render: (_, o) => Object.keys((field(o, 'data') as Any | undefined) ?? {}).length,
      });
      break;
    case 'Secret':
      columns.push({ title: t('workloads.type'), key: 'type', render: (_, o) => String(field(o, 'type') ?? 'Opaque') });
      columns.push({
        title: t('workloads.keys'),
        key: 'keys',
        render: (_, o) => Object.keys((field(o, 'data') as Any | undefined) ?? {}).length,
      });
      break;
    case 'Event':
      columns.push({ title: t('workloads.reason'), key: 'reason', render: (_, o) => String(field(o, 'reason') ?? '') });
      columns.push({
        title: t('workloads.object'),
        key: 'object',
        render: (_, o) => `${String(field(o, 'involvedObject', 'kind') ?? '')}/${String(field(o, 'involvedObject', 'name') ?? '')}`,
      });
      columns.push({ title: t('workloads.message'), key: 'message', render: (_, o) => String(field(o, 'message') ?? '') });
      break;
  }
  columns.push({
    title: t('workloads.labels'),
    key: 'labels',
    render: (_, o) => (
      <Space size={[0, 4]} wrap>
        {Object.entries(o.metadata.labels ?? {}).map(([key, value]) => (
          <Tag key={key}>{`${key}=${value}`}</Tag>
        ))}
      </Space>
    ),
  });
  columns.push({ title: t('common.age'), key: 'age', render: (_, o) => age(o.metadata.creationTimestamp) });
  return columns;
}
