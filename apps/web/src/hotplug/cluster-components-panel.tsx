import { Button, Empty, Space, Switch, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { on } from '../auth/ability';
import { useMe } from '../auth/me';
import { ErrorAlert, PageError } from '../ui/page-state';
import { ComponentPhaseView, ComponentSourceTag } from './component-controls';
import { ComponentValuesDrawer } from './component-values-drawer';
import { useCatalog, useClusterComponents, useComponentOverride, type ClusterComponent } from './hotplug-queries';

/**
 * The cluster's optional components (hotplug): phase as Warden reports it, on/off and values for
 * those who may change components (platform admins); everyone else sees names and phases only.
 */
export function ClusterComponentsPanel({ cluster }: { cluster: string }) {
  const { t } = useTranslation();
  const { ability } = useMe();
  const components = useClusterComponents(cluster);
  const catalog = useCatalog();
  const [editing, setEditing] = useState<ClusterComponent | null>(null);
  const mayManage = ability.can('update', on('HotplugComponent', { cluster, component: '*' }));
  const { set: toggle, reset } = useComponentOverride();
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
            render: (_: unknown, item) => <ComponentPhaseView item={item} />,
          },
          {
            title: t('hotplug.source'),
            render: (_: unknown, item) => <ComponentSourceTag source={item.source} />,
          },
          {
            title: t('hotplug.enabled'),
            render: (_: unknown, item) => (
              <Switch
                aria-label={t('hotplug.enabledOf', { component: titleOf(item.name) })}
                checked={Boolean(item.enabled)}
                disabled={!mayManage}
                loading={toggle.isPending && toggle.variables.component === item.name}
                onChange={(enabled) => toggle.mutate({ cluster, component: item.name, body: { enabled } })}
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
                          onClick={() => reset.mutate({ cluster, component: item.name })}
                          loading={reset.isPending && reset.variables.component === item.name}
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
