import { Button, Empty, Flex, Input, Select, Space, Spin, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { on } from '../auth/ability';
import { useMe } from '../auth/me';
import { useClusters } from '../clusters/cluster-queries';
import { ErrorAlert, PageError, errorMessage } from '../ui/page-state';
import { StatusTag } from '../ui/status-tag';
import { ComponentPhaseView, ComponentSourceTag } from './component-controls';
import { ComponentValuesDrawer } from './component-values-drawer';
import { useCatalog, useClustersComponents, useComponentOverride, type CatalogComponent, type ClusterComponent } from './hotplug-queries';

/** A catalog entry as the caller sees it: those who may not change components get names only. */
type Entry = Pick<CatalogComponent, 'name'> & Partial<CatalogComponent>;

/** One cluster's view of the component: its state, or why it is not known. */
interface ClusterState {
  cluster: string;
  item?: ClusterComponent;
  loading: boolean;
  error: unknown;
}

/**
 * The platform's optional components (hotplug): the catalog, and per registered cluster whether each
 * component is on and in which phase. Those who may change components turn them on and off and edit
 * their values per cluster here, as in a cluster's "Optional components" tab. The name filter, the
 * cluster filter and the open component live in the URL (?q=&cluster=&component=), so a view can be shared.
 */
export default function ComponentsPage() {
  const { t } = useTranslation();
  const { ability } = useMe();
  const [search, setSearch] = useSearchParams();
  const query = search.get('q') ?? '';
  const onlyCluster = search.get('cluster') ?? undefined;
  const open = search.get('component');
  const catalog = useCatalog();
  const clusters = useClusters();
  const clusterNames = (clusters.data?.items ?? []).map((cluster) => cluster.name).filter((name) => !onlyCluster || name === onlyCluster);
  const states = useClustersComponents(clusterNames);
  const { set, reset } = useComponentOverride();
  const [editing, setEditing] = useState<{ cluster: string; item: ClusterComponent } | null>(null);

  const setParam = (key: string, value: string | null | undefined) =>
    setSearch(
      (previous) => {
        const next = new URLSearchParams(previous);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );

  if (catalog.error) return <PageError error={catalog.error} />;
  if (clusters.error) return <PageError error={clusters.error} />;

  const entries: Entry[] = catalog.data?.items ?? [];
  const titleOf = (entry: Entry) => entry.displayName || entry.name;
  const needle = query.trim().toLowerCase();
  const shown = entries.filter(
    (entry) => !needle || [entry.name, entry.displayName, entry.description].some((text) => text?.toLowerCase().includes(needle)),
  );
  const statesOf = (component: string): ClusterState[] =>
    clusterNames.map((cluster, index) => {
      const state = states[index];
      return {
        cluster,
        item: state?.data?.items.find((item) => item.name === component),
        loading: Boolean(state?.isLoading),
        error: state?.error ?? null,
      };
    });
  const mayManage = (cluster: string, component: string) => ability.can('update', on('HotplugComponent', { cluster, component }));
  const noClusters = clusters.isSuccess && clusterNames.length === 0;

  const summary = (entry: Entry) =>
    noClusters ? (
      <Typography.Text type="secondary">{t('components.noClusters')}</Typography.Text>
    ) : (
      <Space wrap size={[12, 4]}>
        {statesOf(entry.name).map(({ cluster, item, loading, error }) => (
          <Space key={cluster} size={4} data-testid={`state-${entry.name}-${cluster}`}>
            <Typography.Text>{cluster}</Typography.Text>
            {item ? (
              <StatusTag status={item.phase} />
            ) : loading ? (
              <Spin size="small" aria-label={t('common.loading')} />
            ) : error ? (
              <Tag color="red" title={errorMessage(error)}>
                {t('components.stateUnknown')}
              </Tag>
            ) : (
              <Tag>{t('components.notOffered')}</Tag>
            )}
          </Space>
        ))}
      </Space>
    );

  const perCluster = (entry: Entry) => (
    <Table<ClusterState>
      rowKey="cluster"
      size="small"
      pagination={false}
      aria-label={t('components.clustersOf', { component: titleOf(entry) })}
      dataSource={statesOf(entry.name)}
      locale={{ emptyText: <Empty description={t('components.noClusters')} /> }}
      columns={[
        {
          title: t('components.cluster'),
          dataIndex: 'cluster',
          render: (cluster: string) => <Link to={`/clusters/${encodeURIComponent(cluster)}?tab=components`}>{cluster}</Link>,
        },
        {
          title: t('hotplug.phase'),
          render: (_: unknown, { item, loading, error }) =>
            item ? (
              <ComponentPhaseView item={item} />
            ) : loading ? (
              <Spin size="small" aria-label={t('common.loading')} />
            ) : error ? (
              <Typography.Text type="danger">{errorMessage(error)}</Typography.Text>
            ) : (
              '—'
            ),
        },
        { title: t('hotplug.version'), render: (_: unknown, { item }) => item?.version || '—' },
        { title: t('hotplug.source'), render: (_: unknown, { item }) => (item ? <ComponentSourceTag source={item.source} /> : '—') },
        {
          title: t('hotplug.enabled'),
          render: (_: unknown, { cluster, item }) =>
            item ? (
              <Switch
                aria-label={t('components.enabledOn', { component: titleOf(entry), cluster })}
                checked={Boolean(item.enabled)}
                disabled={!mayManage(cluster, entry.name)}
                loading={set.isPending && set.variables.cluster === cluster && set.variables.component === entry.name}
                onChange={(enabled) => set.mutate({ cluster, component: entry.name, body: { enabled } })}
              />
            ) : null,
        },
        {
          title: t('common.actions'),
          render: (_: unknown, { cluster, item }) =>
            item && mayManage(cluster, entry.name) ? (
              <Space>
                <Button
                  size="small"
                  onClick={() => setEditing({ cluster, item })}
                  aria-label={t('components.editValuesOn', { component: titleOf(entry), cluster })}
                >
                  {t('hotplug.editValues')}
                </Button>
                {item.source === 'override' ? (
                  <Button
                    size="small"
                    onClick={() => reset.mutate({ cluster, component: entry.name })}
                    loading={reset.isPending && reset.variables.cluster === cluster && reset.variables.component === entry.name}
                  >
                    {t('hotplug.reset')}
                  </Button>
                ) : null}
              </Space>
            ) : null,
        },
      ]}
    />
  );

  const editedEntry = editing ? entries.find((entry) => entry.name === editing.item.name) : undefined;
  return (
    <>
      <Typography.Title level={2}>{t('components.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('components.intro')}</Typography.Paragraph>
      <Flex gap={12} wrap style={{ marginBottom: 16 }}>
        <Input.Search
          allowClear
          style={{ width: 280 }}
          aria-label={t('components.filter')}
          placeholder={t('components.filter')}
          defaultValue={query}
          onSearch={(value) => setParam('q', value.trim())}
          onChange={(e) => setParam('q', e.target.value.trim())}
        />
        <Select
          allowClear
          style={{ width: 240 }}
          aria-label={t('components.cluster')}
          placeholder={t('components.allClusters')}
          value={onlyCluster}
          loading={clusters.isLoading}
          options={(clusters.data?.items ?? []).map((cluster) => ({ value: cluster.name, label: cluster.name }))}
          onChange={(value?: string) => setParam('cluster', value)}
        />
      </Flex>
      <ErrorAlert error={set.error ?? reset.error} />
      <Table<Entry>
        rowKey="name"
        loading={catalog.isLoading || clusters.isLoading}
        dataSource={shown}
        pagination={false}
        locale={{
          emptyText: <Empty description={entries.length ? t('components.noMatch') : t('hotplug.empty')} />,
        }}
        expandable={{
          expandedRowKeys: open ? [open] : [],
          onExpand: (expanded, entry) => setParam('component', expanded ? entry.name : null),
          expandedRowRender: perCluster,
        }}
        columns={[
          {
            title: t('hotplug.component'),
            sorter: (a, b) => titleOf(a).localeCompare(titleOf(b)),
            render: (_: unknown, entry) => (
              <Space direction="vertical" size={0}>
                <Button
                  type="link"
                  style={{ padding: 0, height: 'auto', fontWeight: 600 }}
                  aria-expanded={open === entry.name}
                  onClick={() => setParam('component', open === entry.name ? null : entry.name)}
                >
                  {titleOf(entry)}
                </Button>
                {entry.description ? <Typography.Text type="secondary">{entry.description}</Typography.Text> : null}
              </Space>
            ),
          },
          { title: t('hotplug.version'), render: (_: unknown, entry) => entry.version || '—' },
          {
            title: t('components.kind'),
            render: (_: unknown, entry) => (entry.kind ? <Tag>{t(`components.kinds.${entry.kind}`)}</Tag> : '—'),
          },
          { title: t('components.onClusters'), render: (_: unknown, entry) => summary(entry) },
        ]}
      />
      {editing ? (
        <ComponentValuesDrawer
          cluster={editing.cluster}
          component={editing.item}
          title={editedEntry ? titleOf(editedEntry) : editing.item.name}
          schema={editedEntry?.valuesSchema}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </>
  );
}
