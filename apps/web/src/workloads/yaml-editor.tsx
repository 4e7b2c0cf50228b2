import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Col, List, Row, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { stringify } from 'yaml';
import { useApi } from '../api/api-context';
import { CodeEditor } from '../ui/code-editor';
import { ErrorAlert } from '../ui/page-state';
import { applyObject, kubeRequest, type KubeObject } from './kube-api';
import { resourcePath, type ResourceKind } from './kinds';
import { schemaFor } from './kube-schemas';
import { conflictsOf, forApply, parseObject } from './yaml-apply';

interface Props {
  kind: ResourceKind;
  cluster: string;
  namespace: string;
  initial: string;
  onApplied: (object: KubeObject) => void;
}

/**
 * YAML view and edit; save is a server-side apply as the console's field manager. A conflict shows
 * the fields, their managers (from the API's causes) and the object as the server has it now, beside
 * the user's text, and lets the user force the apply.
 */
export function YamlEditor({ kind, cluster, namespace, initial, onApplied }: Props) {
  const { t } = useTranslation();
  const api = useApi();
  const queryClient = useQueryClient();
  const [text, setText] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const [server, setServer] = useState<string | null>(null);
  const apply = useMutation({
    mutationFn: async ({ object, force }: { object: KubeObject; force: boolean }) =>
      applyObject(api, cluster, resourcePath(kind, namespace, object.metadata.name), forApply(object), force),
    onSuccess: (object) => {
      setServer(null);
      void queryClient.invalidateQueries({ queryKey: ['kube', cluster, namespace, kind.key] });
      onApplied(object);
    },
    onError: async (error, { object }) => {
      if (conflictsOf(error)) {
        const current = await kubeRequest<KubeObject>(api, cluster, resourcePath(kind, namespace, object.metadata.name)).catch(() => null);
        setServer(current ? stringify(forApply(current)) : null);
      }
    },
  });
  const submit = (force: boolean) => {
    const parsed = parseObject(text, kind.kind, namespace);
    setProblem(parsed.problem ?? null);
    if (parsed.object) apply.mutate({ object: parsed.object, force });
  };
  const conflicts = conflictsOf(apply.error);
  return (
    <>
      {problem ? (
        <Alert role="alert" type="error" showIcon message={t('yaml.invalid')} description={problem} style={{ marginBottom: 16 }} />
      ) : null}
      {conflicts ? (
        <Alert
          role="alert"
          type="warning"
          showIcon
          message={t('yaml.conflict')}
          description={
            <>
              <List
                size="small"
                dataSource={conflicts}
                renderItem={(conflict) => (
                  <List.Item>{conflict.field ? `${conflict.field}: ${conflict.message}` : conflict.message}</List.Item>
                )}
              />
              <Button danger onClick={() => submit(true)} loading={apply.isPending}>
                {t('yaml.forceApply')}
              </Button>
            </>
          }
          style={{ marginBottom: 16 }}
        />
      ) : (
        <ErrorAlert error={apply.error} />
      )}
      <Row gutter={16}>
        <Col span={conflicts && server ? 12 : 24}>
          {conflicts && server ? <Typography.Title level={5}>{t('yaml.yours')}</Typography.Title> : null}
          <CodeEditor label={t('yaml.editor')} value={text} onChange={setText} schema={schemaFor(kind)} />
        </Col>
        {conflicts && server ? (
          <Col span={12}>
            <Typography.Title level={5}>{t('yaml.onServer')}</Typography.Title>
            <pre style={{ background: '#fafafa', padding: 12, border: '1px solid #eee', maxHeight: 640, overflow: 'auto' }}>{server}</pre>
          </Col>
        ) : null}
      </Row>
      <Space style={{ marginTop: 12 }}>
        <Button type="primary" onClick={() => submit(false)} loading={apply.isPending}>
          {t('yaml.apply')}
        </Button>
        <Typography.Text type="secondary">{t('yaml.applyHint')}</Typography.Text>
      </Space>
    </>
  );
}

/** A starting object for "create from YAML". */
export function templateFor(kind: ResourceKind, namespace: string): string {
  const base = { apiVersion: kind.apiVersion, kind: kind.kind, metadata: { name: '', namespace } };
  const extra: Record<string, unknown> =
    kind.kind === 'ConfigMap'
      ? { data: { key: 'value' } }
      : kind.kind === 'Secret'
        ? { type: 'Opaque', stringData: { key: 'value' } }
        : kind.kind === 'Deployment'
          ? {
              spec: {
                replicas: 1,
                selector: { matchLabels: { app: 'example' } },
                template: { metadata: { labels: { app: 'example' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
              },
            }
          : kind.kind === 'Service'
            ? { spec: { selector: { app: 'example' }, ports: [{ port: 80, targetPort: 80 }] } }
            : {};
  return stringify({ ...base, ...extra });
}
