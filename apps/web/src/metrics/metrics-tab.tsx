import { Alert, Button, Card, Col, Empty, Flex, Form, Input, Result, Row, Skeleton, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ErrorAlert } from '../ui/page-state';
import { reasonOf, seriesLabel, useInstantQuery, useRangeQuery, type ProjectKey, type Series } from './metrics-queries';

const COLOURS = ['#1677ff', '#389e0d', '#d48806', '#cf1322', '#722ed1', '#13c2c2', '#eb2f96', '#595959'];
/** At most this many series per chart: more lines than that are unreadable (the table has them all). */
const MAX_LINES = 8;

/** Default panels of a project: its namespaces' CPU and memory (cAdvisor series the monitoring component scrapes). */
export const DEFAULT_PANELS = [
  {
    key: 'cpu',
    query: 'sum by (cluster, namespace) (rate(container_cpu_usage_seconds_total{container!=""}[5m]))',
    format: (value: number) => value.toFixed(3),
  },
  {
    key: 'memory',
    query: 'sum by (cluster, namespace) (container_memory_working_set_bytes{container!=""})',
    format: bytes,
  },
] as const;

export function bytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  let scaled = value;
  while (Math.abs(scaled) >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? scaled : scaled.toFixed(1)} ${units[unit]}`;
}

const plain = (value: number) => (Number.isInteger(value) ? String(value) : value.toPrecision(6));

export function MetricsTab({ scope }: { scope: ProjectKey }) {
  const { t } = useTranslation();
  // The first panel (same query, same cache entry) tells whether a metrics store is configured at all: without one, say so once.
  const probe = useRangeQuery(scope, DEFAULT_PANELS[0].query);
  if (reasonOf(probe.error) === 'metrics_not_configured') {
    return <Result status="info" title={t('metrics.notConfiguredTitle')} subTitle={t('metrics.notConfigured')} />;
  }
  return (
    <>
      <Row gutter={[16, 16]}>
        {DEFAULT_PANELS.map((panel) => (
          <Col key={panel.key} xs={24} xl={12}>
            <Card title={t(`metrics.panels.${panel.key}`)} size="small">
              <RangeChart scope={scope} query={panel.query} format={panel.format} title={t(`metrics.panels.${panel.key}`)} />
            </Card>
          </Col>
        ))}
      </Row>
      <QueryBox scope={scope} />
    </>
  );
}

function RangeChart({
  scope,
  query,
  format,
  title,
}: {
  scope: ProjectKey;
  query: string;
  format: (value: number) => string;
  title: string;
}) {
  const { t } = useTranslation();
  const range = useRangeQuery(scope, query);
  if (range.isLoading) return <Skeleton active paragraph={{ rows: 4 }} title={false} />;
  if (range.error) return <ErrorAlert error={range.error} />;
  const series = range.data ?? [];
  if (!series.length) return <Empty description={t('metrics.noData')} />;
  return <SeriesChart series={series} format={format} title={title} />;
}

/** A line chart of up to MAX_LINES series; its accessible name lists the latest value of each. */
function SeriesChart({ series, format, title }: { series: Series[]; format: (value: number) => string; title: string }) {
  const shown = series.slice(0, MAX_LINES).map((entry, index) => ({ ...entry, key: `s${index}`, name: legendOf(entry.metric) }));
  const rows = new Map<number, Record<string, number>>();
  for (const entry of shown) {
    for (const point of entry.points) {
      const row = rows.get(point.time) ?? { time: point.time };
      row[entry.key] = point.value;
      rows.set(point.time, row);
    }
  }
  const data = [...rows.values()].sort((a, b) => (a['time'] ?? 0) - (b['time'] ?? 0));
  const summary = shown.map((entry) => `${entry.name}: ${format(entry.points.at(-1)?.value ?? 0)}`).join(', ');
  const clock = (time: number) => new Date(time * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return (
    <div style={{ height: 240 }} role="img" aria-label={`${title}: ${summary}`}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="time" tickFormatter={clock} />
          <YAxis tickFormatter={format} width={80} />
          <Tooltip labelFormatter={(time) => new Date(Number(time) * 1000).toLocaleString()} formatter={(value) => format(Number(value))} />
          <Legend />
          {shown.map((entry, index) => (
            <Line
              key={entry.key}
              dataKey={entry.key}
              name={entry.name}
              stroke={COLOURS[index % COLOURS.length]}
              dot={false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** A legend entry: the namespace (and cluster) when the series has them, else the whole label set. */
function legendOf(metric: Record<string, string>): string {
  if (metric['namespace']) return metric['cluster'] ? `${metric['cluster']}/${metric['namespace']}` : metric['namespace'];
  return seriesLabel(metric);
}

function QueryBox({ scope }: { scope: ProjectKey }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState('');
  const [query, setQuery] = useState('');
  const instant = useInstantQuery(scope, query);
  // A chart of the last hour for what a range query can draw: an instant vector or a scalar, with data.
  const chartable = !!instant.data?.series.length && ['vector', 'scalar'].includes(instant.data.resultType);
  const range = useRangeQuery(scope, query, chartable);
  const run = () => {
    const next = draft.trim();
    if (next === query) void instant.refetch();
    setQuery(next);
  };
  return (
    <Card title={t('metrics.query.title')} size="small" style={{ marginTop: 16 }}>
      <Form layout="vertical" onFinish={run}>
        <Form.Item label={t('metrics.query.label')} htmlFor="promql" extra={t('metrics.query.hint')}>
          <Flex gap={8} align="start">
            <Input.TextArea
              id="promql"
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              onPressEnter={(e) => {
                if (e.shiftKey) return;
                e.preventDefault();
                run();
              }}
              autoSize={{ minRows: 1, maxRows: 6 }}
              placeholder='sum by (namespace) (kube_pod_status_phase{phase="Running"})'
              style={{ fontFamily: 'monospace' }}
            />
            <Button type="primary" htmlType="submit" disabled={!draft.trim()} loading={instant.isFetching}>
              {t('metrics.query.run')}
            </Button>
          </Flex>
        </Form.Item>
      </Form>
      {instant.error ? <ErrorAlert error={instant.error} /> : null}
      {query && instant.data ? (
        <>
          {range.data && range.data.length ? <SeriesChart series={range.data} format={plain} title={t('metrics.query.chart')} /> : null}
          {chartable && instant.data.series.length > MAX_LINES ? (
            <Alert
              type="info"
              showIcon
              message={t('metrics.query.chartLimited', { shown: MAX_LINES, total: instant.data.series.length })}
            />
          ) : null}
          <Table
            size="small"
            style={{ marginTop: 12 }}
            rowKey={(entry) => seriesLabel(entry.metric)}
            pagination={{ pageSize: 50, hideOnSinglePage: true }}
            dataSource={instant.data.series}
            locale={{ emptyText: <Empty description={t('metrics.query.empty')} /> }}
            columns={[
              {
                title: t('metrics.query.series'),
                render: (_: unknown, entry: Series) => <Typography.Text code>{seriesLabel(entry.metric)}</Typography.Text>,
              },
              {
                title: t('metrics.query.value'),
                align: 'right',
                render: (_: unknown, entry: Series) => {
                  const last = entry.points.at(-1);
                  if (!last) return '';
                  const more = entry.points.length > 1 ? ` ${t('metrics.query.points', { count: entry.points.length })}` : '';
                  return <span title={new Date(last.time * 1000).toISOString()}>{`${last.raw}${more}`}</span>;
                },
              },
            ]}
          />
        </>
      ) : null}
    </Card>
  );
}
