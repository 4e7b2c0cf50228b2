import { Badge, Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { scopePath } from '../layout/scope';
import { FiringAlertsPanel, ReceiversPanel, RulesPanel } from './alerts-tab';
import { useFiringAlerts } from './metrics-queries';
import { MetricsTab } from './metrics-tab';

const TABS = ['metrics', 'alerts', 'rules', 'receivers'] as const;

/** Metrics & alerts of one project (UI.md sidebar): its namespaces' metrics, firing alerts, alert rules and receivers. */
export default function MetricsPage() {
  const { t } = useTranslation();
  const { tenant = '', project = '' } = useParams();
  const scope = { tenant, project };
  // The tab lives in the URL too, so a link to a project's alert rules can be shared.
  const [params, setParams] = useSearchParams();
  const tab = TABS.find((key) => key === params.get('tab')) ?? 'metrics';
  const firing = useFiringAlerts(scope);
  const firingCount = firing.data?.items.length ?? 0;

  return (
    <>
      <Typography.Title level={2}>
        <Space>
          {t('metrics.title')}
          <Typography.Text type="secondary" style={{ fontSize: 16, fontWeight: 'normal' }}>
            <Link to={scopePath({ tenant })}>{tenant}</Link> / <Link to={scopePath(scope)}>{project}</Link>
          </Typography.Text>
        </Space>
      </Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams(key === 'metrics' ? {} : { tab: key }, { replace: true })}
        destroyOnHidden
        items={[
          { key: 'metrics', label: t('metrics.tab'), children: <MetricsTab scope={scope} /> },
          {
            key: 'alerts',
            label: (
              <Space size={6}>
                {t('alerts.firing.tab')}
                {firingCount ? <Badge count={firingCount} title={t('alerts.firing.count', { count: firingCount })} /> : null}
              </Space>
            ),
            children: <FiringAlertsPanel scope={scope} />,
          },
          { key: 'rules', label: t('alerts.rules.tab'), children: <RulesPanel scope={scope} /> },
          { key: 'receivers', label: t('alerts.receivers.tab'), children: <ReceiversPanel scope={scope} /> },
        ]}
      />
    </>
  );
}
