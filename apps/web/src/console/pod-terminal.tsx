import { Button, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import { LazyTerminal } from './terminal';

interface Props {
  cluster: string;
  namespace: string;
  pod: string;
  containers: string[];
}

/**
 * WebConsole: a shell in one of the pod's containers. A session starts only when asked for (each is
 * audited and recorded); the API decides whether the caller may exec there.
 */
export function PodTerminal({ cluster, namespace, pod, containers }: Props) {
  const { t } = useTranslation();
  const { client } = useApi();
  const [container, setContainer] = useState(containers[0] ?? '');
  const [connected, setConnected] = useState<string | null>(null);
  const open = () =>
    must(
      client.POST('/api/v1/console/sessions', {
        body: { cluster, namespace, pod, ...(container ? { container } : {}) },
      }),
    );
  return (
    <>
      <Space style={{ marginBottom: 12 }} wrap>
        {containers.length > 1 ? (
          <Select
            aria-label={t('console.container')}
            value={container}
            onChange={setContainer}
            options={containers.map((name) => ({ value: name, label: name }))}
            style={{ minWidth: 180 }}
          />
        ) : null}
        {connected === null ? (
          <Button type="primary" onClick={() => setConnected(container)}>
            {t('console.connect')}
          </Button>
        ) : (
          <Button onClick={() => setConnected(null)}>{t('console.close')}</Button>
        )}
        <Typography.Text type="secondary">{t('console.recordedHint')}</Typography.Text>
      </Space>
      {connected !== null ? (
        <LazyTerminal key={connected} open={open} label={t('console.terminalOf', { pod, container: connected || pod })} />
      ) : null}
    </>
  );
}
