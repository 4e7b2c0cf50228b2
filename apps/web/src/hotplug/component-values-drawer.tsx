import { Alert, Button, Drawer, List, Space, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { stringify } from 'yaml';
import { ApiError } from '../api/api-error';
import { CodeEditor } from '../ui/code-editor';
import { ErrorAlert } from '../ui/page-state';
import { useComponentOverride, type ClusterComponent } from './hotplug-queries';
import { apiProblems, fieldLabel, parseValues, schemaProblems, type FieldProblem } from './values-validation';

interface Props {
  cluster: string;
  component: ClusterComponent;
  title: string;
  schema?: Record<string, unknown>;
  onClose: () => void;
}

/**
 * The values of one component on one cluster as YAML. They are checked against the catalog's JSON
 * Schema as the user types, so each bad field is named before anything is sent; what the API still
 * refuses (422 with JSON pointers) is listed the same way. Saving stores them as the cluster's override.
 */
export function ComponentValuesDrawer({ cluster, component, title, schema, onClose }: Props) {
  const { t } = useTranslation();
  const [text, setText] = useState(() => stringify(component.values ?? {}));
  const parsed = useMemo(() => parseValues(text), [text]);
  const local = useMemo(
    () => (parsed.values && schema ? schemaProblems(schema, parsed.values, t('hotplug.unknownField')) : []),
    [parsed.values, schema, t],
  );
  const { set: save } = useComponentOverride();
  const refused = apiProblems(save.error);
  const problems: FieldProblem[] = parsed.problem ? [] : local.length ? local : refused;
  return (
    <Drawer open width={720} title={t('hotplug.valuesTitle', { component: title, cluster })} onClose={onClose} destroyOnHidden>
      <Typography.Paragraph type="secondary">{t('hotplug.valuesHint')}</Typography.Paragraph>
      {parsed.problem ? (
        <Alert role="alert" type="error" showIcon message={t('yaml.invalid')} description={parsed.problem} style={{ marginBottom: 16 }} />
      ) : null}
      {problems.length ? (
        <Alert
          role="alert"
          type="error"
          showIcon
          message={local.length ? t('hotplug.schemaProblems') : save.error instanceof ApiError ? save.error.message : t('errors.failed')}
          description={
            <List
              size="small"
              dataSource={problems}
              renderItem={(problem) => (
                <List.Item>
                  <Typography.Text code>{fieldLabel(problem.field)}</Typography.Text> {problem.message}
                </List.Item>
              )}
            />
          }
          style={{ marginBottom: 16 }}
        />
      ) : refused.length === 0 ? (
        <ErrorAlert error={save.error} />
      ) : null}
      <CodeEditor label={t('hotplug.values')} value={text} onChange={setText} schema={schema} />
      <Space style={{ marginTop: 12 }}>
        <Button
          type="primary"
          disabled={Boolean(parsed.problem) || local.length > 0}
          loading={save.isPending}
          onClick={() =>
            parsed.values && save.mutate({ cluster, component: component.name, body: { values: parsed.values } }, { onSuccess: onClose })
          }
        >
          {t('common.save')}
        </Button>
        <Button onClick={onClose}>{t('common.cancel')}</Button>
      </Space>
    </Drawer>
  );
}
