import { Space, Steps, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { StatusTag } from '../ui/status-tag';
import type { ClusterComponent, ComponentPhase } from './hotplug-queries';

/** Where an enabled component is on its way: the change stored, Warden applying it, its workloads ready. */
const PROGRESS: Record<Exclude<ComponentPhase, 'disabled'>, { current: number; status: 'process' | 'finish' | 'error' }> = {
  pending: { current: 0, status: 'process' },
  applying: { current: 1, status: 'process' },
  running: { current: 2, status: 'finish' },
  degraded: { current: 2, status: 'error' },
  failed: { current: 1, status: 'error' },
};

/**
 * A component's phase on one cluster as Warden reports it (UI.md: long work shows progress from
 * the API's phases): the phase word and colour, the steps behind it while it is on, and Warden's message.
 */
export function ComponentPhaseView({ item }: { item: ClusterComponent }) {
  const { t } = useTranslation();
  const progress = item.phase === 'disabled' ? null : PROGRESS[item.phase];
  return (
    <Space direction="vertical" size={0}>
      <span data-testid={`phase-${item.name}`}>
        <StatusTag status={item.phase} />
      </span>
      {progress ? (
        <Steps
          type="inline"
          size="small"
          aria-label={t('components.progressOf', { component: item.name })}
          current={progress.current}
          status={progress.status}
          items={[
            { title: t('components.progress.requested') },
            { title: t('components.progress.applied') },
            { title: t('components.progress.ready') },
          ]}
        />
      ) : null}
      {item.message ? <Typography.Text type="secondary">{item.message}</Typography.Text> : null}
    </Space>
  );
}

/** Whether the cluster follows the platform defaults or has its own override. */
export function ComponentSourceTag({ source }: { source: ClusterComponent['source'] }) {
  const { t } = useTranslation();
  return source === 'override' ? <Tag color="purple">{t('hotplug.override')}</Tag> : <Tag>{t('hotplug.platformDefault')}</Tag>;
}
