import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Empty, Flex, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import { on } from '../auth/ability';
import { useMe } from '../auth/me';
import { age } from '../ui/age';
import { DeleteButton } from '../ui/confirm-delete';
import { markFieldErrors } from '../ui/form-errors';
import { ErrorAlert, PageError } from '../ui/page-state';
import {
  metricsKeys,
  reasonOf,
  SEVERITIES,
  useAlertReceivers,
  useAlertRules,
  useFiringAlerts,
  webhookOrigin,
  type AlertReceiver,
  type AlertReceiverBody,
  type AlertRule,
  type AlertRuleBody,
  type FiringAlert,
  type ProjectKey,
} from './metrics-queries';
import { NameField } from '../ui/name-field';

// UI.md: a word plus a colour, never colour alone.
const SEVERITY_COLOURS: Record<string, string> = { critical: 'red', warning: 'orange', info: 'blue' };

export function SeverityTag({ severity }: { severity: string }) {
  const { t } = useTranslation();
  return <Tag color={SEVERITY_COLOURS[severity] ?? 'default'}>{t(`alerts.severity.${severity}`, { defaultValue: severity })}</Tag>;
}

const useMayWrite = (scope: ProjectKey) => useMe().ability.can('update', on('Project', { tenant: scope.tenant, project: scope.project }));

/** The project's alerts firing now, from the central evaluator. */
export function FiringAlertsPanel({ scope }: { scope: ProjectKey }) {
  const { t } = useTranslation();
  const firing = useFiringAlerts(scope);
  if (reasonOf(firing.error) === 'alerting_not_configured') {
    return <Alert type="info" showIcon message={t('alerts.notConfiguredTitle')} description={t('alerts.notConfigured')} />;
  }
  if (firing.error) return <PageError error={firing.error} />;
  return (
    <Table
      rowKey={(alert) => `${alert.rule}/${JSON.stringify(alert.labels)}`}
      loading={firing.isLoading}
      pagination={false}
      dataSource={firing.data?.items ?? []}
      locale={{ emptyText: <Empty description={t('alerts.firing.empty')} /> }}
      columns={[
        { title: t('alerts.rule'), dataIndex: 'rule' },
        { title: t('alerts.severityLabel'), render: (_: unknown, alert: FiringAlert) => <SeverityTag severity={alert.severity} /> },
        { title: t('alerts.summary'), dataIndex: 'summary' },
        {
          title: t('alerts.firing.labels'),
          render: (_: unknown, alert: FiringAlert) => (
            <Space wrap size={[4, 4]}>
              {Object.entries(alert.labels)
                .filter(([key]) => !key.startsWith('cube_') && key !== 'alertname' && key !== 'severity')
                .map(([key, value]) => (
                  <Tag key={key}>{`${key}=${value}`}</Tag>
                ))}
            </Space>
          ),
        },
        { title: t('alerts.firing.value'), dataIndex: 'value', align: 'right' },
        {
          title: t('alerts.firing.since'),
          render: (_: unknown, alert: FiringAlert) => <span title={alert.activeAt}>{t('common.ago', { age: age(alert.activeAt) })}</span>,
        },
      ]}
    />
  );
}

interface RuleForm {
  name: string;
  expr: string;
  for: string;
  severity: AlertRuleBody['severity'];
  summary: string;
}

export function RulesPanel({ scope }: { scope: ProjectKey }) {
  const { t } = useTranslation();
  const { client } = useApi();
  const queryClient = useQueryClient();
  const rules = useAlertRules(scope);
  const mayWrite = useMayWrite(scope);
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const [form] = Form.useForm<RuleForm>();
  const invalidate = () => void queryClient.invalidateQueries({ queryKey: metricsKeys.alerts(scope) });
  const save = useMutation({
    mutationFn: (values: RuleForm) => {
      const body: AlertRuleBody = {
        name: values.name.trim(),
        expr: values.expr.trim(),
        for: values.for.trim(),
        severity: values.severity,
        summary: values.summary?.trim() ?? '',
      };
      if (editing && editing !== 'new') {
        return must(
          client.PUT('/api/v1/tenants/{tenant}/projects/{project}/alerts/rules/{rule}', {
            params: { path: { ...scope, rule: editing.name } },
            body,
          }),
        );
      }
      return must(client.POST('/api/v1/tenants/{tenant}/projects/{project}/alerts/rules', { params: { path: scope }, body }));
    },
    onSuccess: () => {
      invalidate();
      setEditing(null);
    },
    onError: (error) => markFieldErrors(form, error),
  });
  const remove = useMutation({
    mutationFn: (rule: string) =>
      must(client.DELETE('/api/v1/tenants/{tenant}/projects/{project}/alerts/rules/{rule}', { params: { path: { ...scope, rule } } })),
    onSuccess: invalidate,
  });
  const open = (target: AlertRule | 'new') => {
    save.reset();
    form.resetFields();
    form.setFieldsValue(
      target === 'new'
        ? { name: '', expr: '', for: '5m', severity: 'warning', summary: '' }
        : { name: target.name, expr: target.expr, for: target.for, severity: target.severity, summary: target.summary },
    );
    setEditing(target);
  };
  if (rules.error) return <PageError error={rules.error} />;

  return (
    <>
      <ErrorAlert error={remove.error} />
      {mayWrite ? (
        <Flex justify="end" style={{ marginBottom: 12 }}>
          <Button type="primary" onClick={() => open('new')}>
            {t('alerts.rules.create')}
          </Button>
        </Flex>
      ) : null}
      <Table
        rowKey="name"
        loading={rules.isLoading}
        pagination={false}
        dataSource={rules.data?.items ?? []}
        locale={{ emptyText: <Empty description={t('alerts.rules.empty')} /> }}
        columns={[
          { title: t('common.name'), dataIndex: 'name' },
          { title: t('alerts.severityLabel'), render: (_: unknown, rule: AlertRule) => <SeverityTag severity={rule.severity} /> },
          { title: t('alerts.rules.expr'), render: (_: unknown, rule: AlertRule) => <Typography.Text code>{rule.expr}</Typography.Text> },
          { title: t('alerts.rules.for'), dataIndex: 'for' },
          { title: t('alerts.summary'), dataIndex: 'summary' },
          {
            title: t('common.actions'),
            render: (_: unknown, rule: AlertRule) =>
              mayWrite ? (
                <Space>
                  <Button size="small" onClick={() => open(rule)} aria-label={t('alerts.rules.editNamed', { name: rule.name })}>
                    {t('common.edit')}
                  </Button>
                  <DeleteButton name={rule.name} onConfirm={() => remove.mutateAsync(rule.name)} />
                </Space>
              ) : null,
          },
        ]}
      />
      <Modal
        open={editing !== null}
        title={editing === 'new' ? t('alerts.rules.create') : t('alerts.rules.edit')}
        okText={t('common.save')}
        onOk={() => form.submit()}
        onCancel={() => setEditing(null)}
        confirmLoading={save.isPending}
        forceRender
        width={640}
      >
        <ErrorAlert error={save.error} />
        <Form form={form} layout="vertical" onFinish={(values) => save.mutate(values)}>
          <NameField disabled={editing !== 'new'} />
          <Form.Item
            label={t('alerts.rules.expr')}
            name="expr"
            rules={[{ required: true, message: t('alerts.rules.exprRequired') }]}
            extra={t('alerts.rules.exprHint')}
          >
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 8 }} style={{ fontFamily: 'monospace' }} />
          </Form.Item>
          <Flex gap={16}>
            <Form.Item
              label={t('alerts.rules.for')}
              name="for"
              rules={[{ required: true, message: t('alerts.rules.forRequired') }]}
              extra={t('alerts.rules.forHint')}
              style={{ flex: 1 }}
            >
              <Input />
            </Form.Item>
            <Form.Item label={t('alerts.severityLabel')} name="severity" rules={[{ required: true }]} style={{ flex: 1 }}>
              <Select options={SEVERITIES.map((severity) => ({ value: severity, label: t(`alerts.severity.${severity}`) }))} />
            </Form.Item>
          </Flex>
          <Form.Item label={t('alerts.summary')} name="summary" extra={t('alerts.rules.summaryHint')}>
            <Input maxLength={1024} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

interface ReceiverForm {
  name: string;
  webhook: string;
  email: string;
}

export function ReceiversPanel({ scope }: { scope: ProjectKey }) {
  const { t } = useTranslation();
  const { client } = useApi();
  const queryClient = useQueryClient();
  const receivers = useAlertReceivers(scope);
  const mayWrite = useMayWrite(scope);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<ReceiverForm>();
  const invalidate = () => void queryClient.invalidateQueries({ queryKey: metricsKeys.receivers(scope) });
  const save = useMutation({
    mutationFn: (values: ReceiverForm) => {
      const body: AlertReceiverBody = { name: values.name.trim() };
      if (values.webhook?.trim()) body.webhook = { url: values.webhook.trim() };
      if (values.email?.trim()) body.email = { to: values.email.trim() };
      return must(client.POST('/api/v1/tenants/{tenant}/projects/{project}/alerts/receivers', { params: { path: scope }, body }));
    },
    onSuccess: () => {
      invalidate();
      // The form held the URL: clear it so it is not kept on the page once stored.
      form.resetFields();
      setCreating(false);
    },
    onError: (error) => markFieldErrors(form, error),
  });
  const remove = useMutation({
    mutationFn: (receiver: string) =>
      must(
        client.DELETE('/api/v1/tenants/{tenant}/projects/{project}/alerts/receivers/{receiver}', {
          params: { path: { ...scope, receiver } },
        }),
      ),
    onSuccess: invalidate,
  });
  if (receivers.error) return <PageError error={receivers.error} />;

  return (
    <>
      <ErrorAlert error={remove.error} />
      {mayWrite ? (
        <Flex justify="end" style={{ marginBottom: 12 }}>
          <Button
            type="primary"
            onClick={() => {
              save.reset();
              form.resetFields();
              setCreating(true);
            }}
          >
            {t('alerts.receivers.create')}
          </Button>
        </Flex>
      ) : null}
      <Table
        rowKey="name"
        loading={receivers.isLoading}
        pagination={false}
        dataSource={receivers.data?.items ?? []}
        locale={{ emptyText: <Empty description={t('alerts.receivers.empty')} /> }}
        columns={[
          { title: t('common.name'), dataIndex: 'name' },
          {
            title: t('alerts.receivers.targets'),
            render: (_: unknown, receiver: AlertReceiver) => (
              <Space direction="vertical" size={0}>
                {receiver.webhook ? (
                  // Only the origin: the stored URL's path or query may hold a token (never shown back).
                  <span>{t('alerts.receivers.webhookAt', { origin: webhookOrigin(receiver.webhook.url) || '…' })}</span>
                ) : null}
                {receiver.email ? <span>{t('alerts.receivers.emailTo', { to: receiver.email.to })}</span> : null}
              </Space>
            ),
          },
          { title: t('common.createdBy'), dataIndex: 'createdBy' },
          { title: t('common.age'), dataIndex: 'createdAt', render: (value: string) => age(value) },
          {
            title: t('common.actions'),
            render: (_: unknown, receiver: AlertReceiver) =>
              mayWrite ? <DeleteButton name={receiver.name} onConfirm={() => remove.mutateAsync(receiver.name)} /> : null,
          },
        ]}
      />
      <Modal
        open={creating}
        title={t('alerts.receivers.create')}
        okText={t('common.save')}
        onOk={() => form.submit()}
        onCancel={() => (form.resetFields(), setCreating(false))}
        confirmLoading={save.isPending}
        forceRender
      >
        <ErrorAlert error={save.error} />
        <Form form={form} layout="vertical" onFinish={(values) => save.mutate(values)} initialValues={{ name: '', webhook: '', email: '' }}>
          <NameField />
          <Form.Item
            label={t('alerts.receivers.webhook')}
            name="webhook"
            dependencies={['email']}
            extra={t('alerts.receivers.webhookHint')}
            rules={[
              ({ getFieldValue }) => ({
                validator: async () => {
                  const webhook = String(getFieldValue('webhook') ?? '').trim();
                  const email = String(getFieldValue('email') ?? '').trim();
                  if (!webhook && !email) throw new Error(t('alerts.receivers.targetRequired'));
                },
              }),
            ]}
          >
            <Input type="url" autoComplete="off" placeholder="https://hooks.example.org/alerts" />
          </Form.Item>
          <Form.Item label={t('alerts.receivers.email')} name="email">
            <Input type="email" autoComplete="off" placeholder="oncall@example.org" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
