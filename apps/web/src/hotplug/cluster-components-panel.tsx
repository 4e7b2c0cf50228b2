import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Empty, Space, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import { on } from '../auth/ability';
import { useMe } from '../auth/me';
import { ErrorAlert, PageError } from '../ui/page-state';
import { StatusTag } from '../ui/status-tag';
import { ComponentValuesDrawer } from './component-values-drawer';
import { hotplugKeys, useCatalog, useClusterComponents, type ClusterComponent } from './hotplug-queries';

/**
 * The cluster's optional components (hotplug): phase as Warden reports it, on/off and values for
 * those who may change components (platform admins); everyone else sees names and phases only.
 */
export function ClusterComponentsPanel({ cluster }: { cluster: string }) {
  const { t } = useTranslation();
  const { client } = useApi();
  const { ability } = useMe();
  const queryClient = useQueryClient();
  const components = useClusterComponents(cluster);
  const catalog = useCatalog();
  const [editing, setEditing] = useState<ClusterComponent | null>(null);
  const mayManage = ability.can('update', on('HotplugComponent', { cluster, component: '*' }));
  const toggle = useMutation({
    mutationFn: ({ component, enabled }: { component: string; enabled: boolean }) =>
      must(client.PUT('/api/v1/clusters/{cluster}/hotplug/{component}', { params: { path: { cluster, component } }, body: { enabled } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: hotplugKeys.ofCluster(cluster) }),
  });
  const reset = useMutation({
    mutationFn: (component: string) =>
      must(client.DELETE('/api/v1/clusters/{cluster}/hotplug/{component}', { params: { path: { cluster, component } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: hotplugKeys.ofCluster(cluster) }),
  });
  if (components.error) return <PageError error={components.error} />;
  const entry = (name: string) => catalog.data?.items.find((item) => item.name === name);
  const titleOf = (name: string) => entry(name)?.displayName || name;
  return (
    <>
      <ErrorAlert error={toggle.error ?? reset.error} />
      <Table
        rowKey="name"
        size="small"
        pagination={false}
        loading={components.isLoading}
        dataSource={components.data?.items ?? []}
        locale={{ emptyText: <Empty description={t('hotplug.empty')} /> }}
        columns={[
          {
            title: t('hotplug.component'),
            render: (_: unknown, item) => (
              <Space direction="vertical" size={0}>
                <Typography.Text strong>{titleOf(item.name)}</Typography.Text>
                <Typography.Text type="secondary">{entry(item.name)?.description || item.name}</Typography.Text>
              </Space>
            ),
          },
          { title: t('hotplug.version'), dataIndex: 'version', render: (version?: string) => version || '—' },
          {
            title: t('hotplug.phase'),
            render: (_: unknown, item) => (
              <Space direction="vertical" size={0}>
                <span data-testid={`phase-${item.name}`}>
                  <StatusTag status={item.phase} />
                </span>
                {item.message ? <Typography.Text type="secondary">{item.message}</Typography.Text> : null}
              </Space>
            ),
          },
          {
            title: t('hotplug.source'),
            render: (_: unknown, item) =>
              item.source === 'override' ? <Tag color="purple">{t('hotplug.override')}</Tag> : <Tag>{t('hotplug.platformDefault')}</Tag>,
          },
          {
            title: t('hotplug.enabled'),
            render: (_: unknown, item) => (
              <Switch
                aria-label={t('hotplug.enabledOf', { component: titleOf(item.name) })}
                checked={Boolean(item.enabled)}
                disabled={!mayManage}
                loading={toggle.isPending && toggle.variables.component === item.name}
                onChange={(enabled) => toggle.mutate({ component: item.name, enabled })}
              />
            ),
          },
          ...(mayManage
            ? [
                {
                  title: t('common.actions'),
                  render: (_: unknown, item: ClusterComponent) => (
                    <Space>
                      <Button
                        size="small"
                        onClick={() => setEditing(item)}
                        aria-label={t('hotplug.editValuesOf', { component: titleOf(item.name) })}
                      >
                        {t('hotplug.editValues')}
                      </Button>
                      {item.source === 'override' ? (
                        <Button
                          size="small"
                          onClick={() => reset.mutate(item.name)}
                          loading={reset.isPending && reset.variables === item.name}
                        >
                          {t('hotplug.reset')}
                        </Button>
                      ) : null}
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {editing ? (
        <ComponentValuesDrawer
          cluster={cluster}
          component={editing}
          title={titleOf(editing.name)}
          schema={entry(editing.name)?.valuesSchema}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </>
  );
}
