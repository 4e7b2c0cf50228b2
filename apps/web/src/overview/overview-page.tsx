import { useQuery } from '@tanstack/react-query';
import { Card, Col, Empty, List, Row, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import { useMe } from '../auth/me';
import { useClusters } from '../clusters/cluster-queries';
import { QuotaBars } from '../ui/quota-bars';
import { StatusTag } from '../ui/status-tag';

const STATUS_COLOURS: Record<string, string> = { normal: '#389e0d', pending: '#1677ff', abnormal: '#d48806', unreachable: '#cf1322' };

export default function OverviewPage() {
  const { t } = useTranslation();
  const { client } = useApi();
  const { ability, me } = useMe();
  const clusters = useClusters(ability.can('read', 'Cluster'));
  const tenants = useQuery({
    queryKey: ['tenants', 'all'],
    queryFn: () => must(client.GET('/api/v1/tenants', { params: { query: { limit: 500 } } })),
  });
  // Quota use of the first tenants the caller sees (one request per tenant; the page stays light).
  const shown = (tenants.data?.items ?? []).slice(0, 6);
  const quotas = useQuery({
    queryKey: ['overview', 'quotas', shown.map((tenant) => tenant.name)],
    enabled: shown.length > 0,
    queryFn: () =>
      Promise.all(
        shown.map(async (tenant) => ({
          tenant: tenant.name,
          quotas: await must(client.GET('/api/v1/tenants/{tenant}/quotas', { params: { path: { tenant: tenant.name } } })),
        })),
      ),
  });
  const audit = useQuery({
    queryKey: ['audit', 'recent'],
    enabled: ability.can('read', 'AuditEvent'),
    queryFn: () => must(client.GET('/api/v1/audit/events', { params: { query: { limit: 8 } } })),
  });

  const byStatus = ['normal', 'pending', 'abnormal', 'unreachable'].map((status) => ({
    status,
    label: t(`status.${status}`),
    count: (clusters.data?.items ?? []).filter((cluster) => cluster.status === status).length,
  }));

  return (
    <>
      <Typography.Title level={2}>{t('overview.title', { user: me.user.displayName || me.user.name })}</Typography.Title>
      <Row gutter={[16, 16]}>
        {ability.can('read', 'Cluster') ? (
          <Col xs={24} lg={12}>
            <Card title={t('overview.clustersByStatus')}>
              <Statistic title={t('overview.clusters')} value={clusters.data?.items.length ?? 0} />
              <div style={{ height: 180 }} aria-label={byStatus.map((entry) => `${entry.label}: ${entry.count}`).join(', ')} role="img">
                <ResponsiveContainer width="100%" height="100%">
                  <BarChart data={byStatus}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="label" />
                    <YAxis allowDecimals={false} />
                    <Tooltip />
                    <Bar dataKey="count" name={t('overview.clusters')}>
                      {byStatus.map((entry) => (
                        <Cell key={entry.status} fill={STATUS_COLOURS[entry.status]} />
                      ))}
                    </Bar>
                  </BarChart>
                </ResponsiveContainer>
              </div>
            </Card>
          </Col>
        ) : null}
        <Col xs={24} lg={12}>
          <Card title={t('overview.tenants')}>
            <Statistic title={t('overview.tenantsVisible')} value={tenants.data?.items.length ?? 0} />
            <List
              size="small"
              dataSource={shown}
              locale={{ emptyText: <Empty description={t('tenants.empty')} /> }}
              renderItem={(tenant) => (
                <List.Item>
                  <Link to={`/t/${encodeURIComponent(tenant.name)}`}>{tenant.displayName || tenant.name}</Link>
                </List.Item>
              )}
            />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t('overview.quotaUse')}>
            {(quotas.data ?? []).flatMap((entry) =>
              entry.quotas.map((quota) => (
                <div key={`${entry.tenant}/${quota.cluster}`} style={{ marginBottom: 16 }}>
                  <Typography.Text strong>
                    {t('overview.tenantOnCluster', { tenant: entry.tenant, cluster: quota.cluster })}
                  </Typography.Text>
                  <QuotaBars cluster={quota.cluster} hard={quota.hard} allocated={quota.allocated} used={quota.used} />
                </div>
              )),
            )}
            {quotas.data?.every((entry) => entry.quotas.length === 0) || shown.length === 0 ? (
              <Empty description={t('overview.noQuotas')} />
            ) : null}
          </Card>
        </Col>
        {ability.can('read', 'AuditEvent') ? (
          <Col xs={24} lg={12}>
            <Card title={t('overview.recentAudit')} extra={<Link to="/audit">{t('overview.allAudit')}</Link>}>
              <List
                size="small"
                dataSource={audit.data?.items ?? []}
                renderItem={(entry) => (
                  <List.Item>
                    <List.Item.Meta
                      title={`${entry.actor.user} · ${entry.action} ${[entry.target.resource, entry.target.name].filter(Boolean).join('/')}`}
                      description={new Date(entry.time).toLocaleString()}
                    />
                    <StatusTag status={entry.outcome.status} />
                  </List.Item>
                )}
              />
            </Card>
          </Col>
        ) : null}
      </Row>
    </>
  );
}
