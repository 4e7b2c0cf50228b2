import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Form, Input, Row, Select, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import { apiErrorOf } from '../api/api-error';
import type { components, paths } from '../api/schema.gen';
import { ErrorAlert, PageError } from '../ui/page-state';
import { StatusTag } from '../ui/status-tag';

type Entry = components['schemas']['AuditEntryView'];
type Filters = NonNullable<paths['/api/v1/audit/events']['get']['parameters']['query']>;

interface FilterForm {
  user?: string;
  cluster?: string;
  namespace?: string;
  resource?: string;
  verb?: string;
  outcome?: string;
  source?: string;
  q?: string;
  from?: string;
  to?: string;
}

/** The form's values as the API's query: empty fields dropped, local times as RFC 3339. */
export function auditQuery(values: FilterForm): Filters {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'string' || !value.trim()) continue;
    query[key] = key === 'from' || key === 'to' ? new Date(value).toISOString() : value.trim();
  }
  return query as Filters;
}

export default function AuditPage() {
  const { t } = useTranslation();
  const api = useApi();
  const [filters, setFilters] = useState<Filters>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const [exportError, setExportError] = useState<unknown>(null);
  const cursor = cursors[cursors.length - 1];
  const events = useQuery({
    queryKey: ['audit', 'events', filters, cursor ?? ''],
    queryFn: () => must(api.client.GET('/api/v1/audit/events', { params: { query: { ...filters, limit: 50, cursor } } })),
  });
  const verify = useMutation({
    mutationFn: () => must(api.client.GET('/api/v1/audit/verify', { params: { query: { from: filters.from, to: filters.to } } })),
  });
  const exportAs = async (format: 'csv' | 'ndjson') => {
    setExportError(null);
    const query = new URLSearchParams({ ...(filters as Record<string, string>), format });
    const response = await api.fetch(new Request(`${api.gatewayUrl}/api/v1/audit/events/export?${query.toString()}`));
    if (!response.ok) {
      setExportError(apiErrorOf(response.status, await response.json().catch(() => null)));
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = `cube-audit.${format}`;
    link.click();
    URL.revokeObjectURL(url);
  };
  if (events.error) return <PageError error={events.error} />;
  return (
    <>
      <Typography.Title level={2}>{t('audit.title')}</Typography.Title>
      <Card style={{ marginBottom: 16 }}>
        <Form<FilterForm>
          layout="vertical"
          onFinish={(values) => {
            setFilters(auditQuery(values));
            setCursors([]);
          }}
        >
          <Row gutter={12}>
            {(['user', 'cluster', 'namespace', 'resource', 'verb', 'q'] as const).map((name) => (
              <Col key={name} xs={12} md={6} lg={4}>
                <Form.Item label={t(`audit.${name}`)} name={name}>
                  <Input allowClear />
                </Form.Item>
              </Col>
            ))}
            <Col xs={12} md={6} lg={4}>
              <Form.Item label={t('audit.outcome')} name="outcome">
                <Select allowClear options={['success', 'failure'].map((value) => ({ value, label: t(`status.${value}`) }))} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6} lg={4}>
              <Form.Item label={t('audit.source')} name="source">
                <Select allowClear options={['cube', 'kubernetes'].map((value) => ({ value, label: t(`audit.sources.${value}`) }))} />
              </Form.Item>
            </Col>
            <Col xs={12} md={6} lg={4}>
              <Form.Item label={t('audit.from')} name="from">
                <Input type="datetime-local" />
              </Form.Item>
            </Col>
            <Col xs={12} md={6} lg={4}>
              <Form.Item label={t('audit.to')} name="to">
                <Input type="datetime-local" />
              </Form.Item>
            </Col>
          </Row>
          <Space wrap>
            <Button type="primary" htmlType="submit">
              {t('audit.search')}
            </Button>
            <Button onClick={() => void exportAs('csv')}>{t('audit.exportCsv')}</Button>
            <Button onClick={() => void exportAs('ndjson')}>{t('audit.exportNdjson')}</Button>
            <Button onClick={() => verify.mutate()} loading={verify.isPending}>
              {t('audit.verify')}
            </Button>
          </Space>
        </Form>
      </Card>
      <ErrorAlert error={exportError ?? verify.error} />
      {verify.data ? (
        <Alert
          role="status"
          style={{ marginBottom: 16 }}
          type={verify.data.ok ? 'success' : 'error'}
          showIcon
          message={
            verify.data.ok
              ? t('audit.verifyOk', { count: verify.data.checked })
              : t('audit.verifyBroken', {
                  count: verify.data.checked,
                  id: verify.data.firstBroken?.id ?? '?',
                  reason: verify.data.firstBroken?.reason ?? '',
                })
          }
        />
      ) : null}
      <Table
        rowKey="id"
        loading={events.isLoading}
        pagination={false}
        dataSource={events.data?.items ?? []}
        expandable={{
          expandedRowRender: (entry: Entry) => <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{JSON.stringify(entry, null, 2)}</pre>,
        }}
        columns={[
          { title: t('audit.time'), dataIndex: 'time', render: (v: string) => new Date(v).toLocaleString() },
          { title: t('audit.user'), render: (_: unknown, e: Entry) => e.actor.user },
          { title: t('audit.source'), dataIndex: 'source', render: (v: string) => t(`audit.sources.${v}`) },
          { title: t('audit.action'), dataIndex: 'action' },
          {
            title: t('audit.target'),
            render: (_: unknown, e: Entry) =>
              [e.target.cluster, e.target.namespace, e.target.resource, e.target.name].filter(Boolean).join(' / ') || '—',
          },
          { title: t('audit.outcome'), render: (_: unknown, e: Entry) => <StatusTag status={e.outcome.status} /> },
        ]}
      />
      <Space style={{ marginTop: 16 }}>
        <Button disabled={cursors.length === 0} onClick={() => setCursors((list) => list.slice(0, -1))}>
          {t('common.previousPage')}
        </Button>
        <Button disabled={!events.data?.nextCursor} onClick={() => setCursors((list) => [...list, events.data?.nextCursor ?? ''])}>
          {t('common.nextPage')}
        </Button>
      </Space>
    </>
  );
}
