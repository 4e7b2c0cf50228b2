import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Drawer, Empty, Flex, Input, Table, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useApi } from '../api/api-context';
import { scopePath } from '../layout/scope';
import { PageError } from '../ui/page-state';
import { kubeRequest, watch, type KubeList, type KubeObject } from './kube-api';
import { kindByKey, resourcePath, type ResourceKind } from './kinds';
import { kindColumns } from './resource-columns';
import { mergeWatchEvent, withDeparted } from './watch-merge';
import { templateFor, YamlEditor } from './yaml-editor';

const PAGE_SIZE = 50;
/** How long a changed row stays highlighted, and a deleted one fades (UI.md lists). */
const HIGHLIGHT_MS = 1500;

export default function ResourceListPage() {
  const { t } = useTranslation();
  const kind = kindByKey(useParams()['kind']);
  if (!kind) return <PageError error={new Error(t('workloads.unknownKind'))} />;
  return <ResourceList key={kind.key} kind={kind} />;
}

function ResourceList({ kind }: { kind: ResourceKind }) {
  const { t } = useTranslation();
  const { tenant = '', project = '', cluster = '', namespace = '' } = useParams();
  const api = useApi();
  const queryClient = useQueryClient();
  const [selector, setSelector] = useState('');
  const [appliedSelector, setAppliedSelector] = useState('');
  const [continueTokens, setContinueTokens] = useState<string[]>([]);
  const [creating, setCreating] = useState(false);
  const [changed, setChanged] = useState<Set<string>>(new Set());
  // Rows deleted a moment ago, drawn fading out until their timer ends.
  const [departed, setDeparted] = useState<Map<string, KubeObject>>(new Map());
  const timers = useRef<ReturnType<typeof setTimeout>[]>([]);
  const token = continueTokens[continueTokens.length - 1];
  const queryKey = ['kube', cluster, namespace, kind.key, appliedSelector, token ?? ''];
  const list = useQuery({
    queryKey,
    queryFn: () => {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (appliedSelector) query.set('labelSelector', appliedSelector);
      if (token) query.set('continue', token);
      return kubeRequest<KubeList>(api, cluster, `${resourcePath(kind, namespace)}?${query.toString()}`);
    },
  });

  // Live updates: watch from the listed resourceVersion, merging each event into the cached page.
  const resourceVersion = list.data?.metadata.resourceVersion;
  useEffect(() => {
    if (!resourceVersion) return;
    const controller = new AbortController();
    const query = new URLSearchParams({ watch: '1', resourceVersion, allowWatchBookmarks: 'true' });
    if (appliedSelector) query.set('labelSelector', appliedSelector);
    void watch(
      api,
      cluster,
      `${resourcePath(kind, namespace)}?${query.toString()}`,
      (event) => {
        const name = event.object.metadata?.name;
        queryClient.setQueryData<KubeList>(queryKey, (current) =>
          current ? { ...mergeWatchEvent(current, event), metadata: { ...current.metadata } } : current,
        );
        if (name && event.type === 'DELETED') {
          setDeparted((current) => new Map(current).set(name, event.object));
          timers.current.push(
            setTimeout(() => setDeparted((current) => ((next) => (next.delete(name), next))(new Map(current))), HIGHLIGHT_MS),
          );
        }
        if (name && (event.type === 'ADDED' || event.type === 'MODIFIED')) {
          setChanged((current) => new Set(current).add(name));
          timers.current.push(
            setTimeout(() => setChanged((current) => ((next) => (next.delete(name), next))(new Set(current))), HIGHLIGHT_MS),
          );
        }
      },
      controller.signal,
    ).catch(() => undefined);
    return () => {
      controller.abort();
      setDeparted(new Map());
    };
    // The watch restarts only when what is listed changes, not on each merged event.
  }, [api, cluster, namespace, kind.key, appliedSelector, token, resourceVersion === undefined]);
  useEffect(() => () => timers.current.forEach(clearTimeout), []);

  const base = scopePath({ tenant, project, cluster, namespace });
  return (
    <>
      <Flex justify="space-between" align="center">
        <Typography.Title level={2}>
          {t(`kinds.${kind.key}`)} <Typography.Text type="secondary">{t('workloads.inNamespace', { namespace, cluster })}</Typography.Text>
        </Typography.Title>
        {kind.kind !== 'Event' ? (
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('workloads.createFromYaml')}
          </Button>
        ) : null}
      </Flex>
      <Flex gap={8} style={{ marginBottom: 12 }}>
        <Input.Search
          aria-label={t('workloads.labelSelector')}
          placeholder={t('workloads.labelSelectorPlaceholder')}
          value={selector}
          onChange={(e) => setSelector(e.target.value)}
          onSearch={(value) => {
            setAppliedSelector(value.trim());
            setContinueTokens([]);
          }}
          allowClear
          style={{ maxWidth: 420 }}
        />
      </Flex>
      {list.error ? (
        <PageError error={list.error} />
      ) : (
        <Table
          rowKey={(object) => object.metadata.name}
          loading={list.isLoading}
          dataSource={withDeparted(list.data?.items ?? [], [...departed.values()])}
          pagination={false}
          rowClassName={(object) =>
            departed.has(object.metadata.name) ? 'cube-row-deleted' : changed.has(object.metadata.name) ? 'cube-row-changed' : ''
          }
          locale={{ emptyText: <Empty description={t('workloads.empty', { kind: t(`kinds.${kind.key}`) })} /> }}
          columns={[
            {
              title: t('common.name'),
              key: 'name',
              render: (_: unknown, object) => (
                <Link to={`${base}/${kind.key}/${encodeURIComponent(object.metadata.name)}`}>{object.metadata.name}</Link>
              ),
            },
            ...kindColumns(kind, t),
          ]}
        />
      )}
      <Flex gap={8} style={{ marginTop: 16 }} align="center">
        <Button disabled={continueTokens.length === 0} onClick={() => setContinueTokens((tokens) => tokens.slice(0, -1))}>
          {t('common.previousPage')}
        </Button>
        <Button
          disabled={!list.data?.metadata.continue}
          onClick={() => setContinueTokens((tokens) => [...tokens, list.data?.metadata.continue ?? ''])}
        >
          {t('common.nextPage')}
        </Button>
        {list.data?.metadata.remainingItemCount !== undefined ? (
          <Typography.Text type="secondary">{t('workloads.remaining', { count: list.data.metadata.remainingItemCount })}</Typography.Text>
        ) : null}
      </Flex>
      <Drawer open={creating} onClose={() => setCreating(false)} title={t('workloads.createFromYaml')} width={760} destroyOnHidden>
        <YamlEditor
          kind={kind}
          cluster={cluster}
          namespace={namespace}
          initial={templateFor(kind, namespace)}
          onApplied={() => setCreating(false)}
        />
      </Drawer>
    </>
  );
}
