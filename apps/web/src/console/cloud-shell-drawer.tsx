import { Button, Drawer, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import { useMe } from '../auth/me';
import { useClusters } from '../clusters/cluster-queries';
import { LazyTerminal } from './terminal';

/**
 * CloudShell: a shell of the caller's own with kubectl pointed at Cube, in a drawer that stays over
 * whatever page is open. The cluster is optional (the API picks the first the caller reaches); the pod
 * and its token go when the shell ends. Its own chunk: the header only holds the button.
 */
export default function CloudShellDrawer({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { client } = useApi();
  const [cluster, setCluster] = useState<string | undefined>(undefined);
  const [started, setStarted] = useState<number | null>(null);
  // The clusters the caller can see, if any: a tenant member may see none and still get a shell.
  const clusters = useClusters(useMe().ability.can('read', 'Cluster'));
  const open = () => must(client.POST('/api/v1/cloudshell/sessions', { body: cluster ? { cluster } : {} }));
  return (
    <Drawer open placement="bottom" height="60vh" title={t('console.cloudShell')} onClose={onClose} destroyOnHidden>
      <Space style={{ marginBottom: 12 }} wrap>
        <Select
          aria-label={t('console.cluster')}
          placeholder={t('console.anyCluster')}
          allowClear
          value={cluster}
          onChange={setCluster}
          options={(clusters.data?.items ?? []).map((c) => ({ value: c.name, label: c.displayName || c.name }))}
          style={{ minWidth: 220 }}
        />
        <Button type="primary" onClick={() => setStarted((n) => (n ?? 0) + 1)}>
          {started === null ? t('console.connect') : t('console.reconnect')}
        </Button>
        <Typography.Text type="secondary">{t('console.cloudShellHint')}</Typography.Text>
      </Space>
      {started !== null ? <LazyTerminal key={started} open={open} label={t('console.cloudShell')} /> : null}
    </Drawer>
  );
}
