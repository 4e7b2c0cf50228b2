import { Alert, Button, Select, Space, Switch, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../api/api-context';
import { apiErrorOf } from '../api/api-error';
import { proxyUrl } from './kube-api';

/** Keeps the view bounded however long a followed log runs. */
const MAX_CHARS = 500_000;

/** A pod's logs through the proxy; with follow on, the stream stays open and appends as lines arrive. */
export function PodLogs({
  cluster,
  namespace,
  pod,
  containers,
}: {
  cluster: string;
  namespace: string;
  pod: string;
  containers: string[];
}) {
  const { t } = useTranslation();
  const api = useApi();
  const [container, setContainer] = useState(containers[0] ?? '');
  const [follow, setFollow] = useState(false);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const view = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const controller = new AbortController();
    setText('');
    setError(null);
    const query = new URLSearchParams({ container, tailLines: '1000' });
    if (follow) query.set('follow', 'true');
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?${query.toString()}`;
    void (async () => {
      const response = await api.fetch(new Request(proxyUrl(api, cluster, path), { signal: controller.signal }));
      if (!response.ok || !response.body) {
        const body = await response.text();
        let parsed: unknown = body;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = body;
        }
        setError(apiErrorOf(response.status, parsed).message);
        return;
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        setText((current) => (current + value).slice(-MAX_CHARS));
      }
    })().catch((e: unknown) => {
      if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e));
    });
    return () => controller.abort();
  }, [api, cluster, namespace, pod, container, follow, generation]);

  useEffect(() => {
    if (follow && view.current) view.current.scrollTop = view.current.scrollHeight;
  }, [text, follow]);

  return (
    <>
      <Space style={{ marginBottom: 12 }}>
        <Select
          aria-label={t('logs.container')}
          value={container}
          onChange={setContainer}
          options={containers.map((name) => ({ value: name, label: name }))}
          style={{ minWidth: 180 }}
        />
        <Space>
          <Switch checked={follow} onChange={setFollow} aria-label={t('logs.follow')} />
          <Typography.Text>{t('logs.follow')}</Typography.Text>
        </Space>
        <Button onClick={() => setGeneration((g) => g + 1)}>{t('logs.reload')}</Button>
      </Space>
      {error ? <Alert type="error" showIcon message={error} style={{ marginBottom: 12 }} /> : null}
      <pre
        ref={view}
        aria-label={t('logs.output')}
        tabIndex={0}
        style={{ background: '#141414', color: '#e6e6e6', padding: 12, height: 480, overflow: 'auto', margin: 0 }}
      >
        {text || t('logs.empty')}
      </pre>
    </>
  );
}
