import { Button, Empty, Flex, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMe } from '../auth/me';
import { age } from '../ui/age';
import { PageError } from '../ui/page-state';
import { StatusTag } from '../ui/status-tag';
import { useClusters } from './cluster-queries';
import { RegisterClusterDrawer } from './register-cluster-drawer';

export default function ClustersPage() {
  const { t } = useTranslation();
  const { ability } = useMe();
  const clusters = useClusters();
  const [registering, setRegistering] = useState(false);
  const canRegister = ability.can('create', 'Cluster');
  if (clusters.error) return <PageError error={clusters.error} />;
  return (
    <>
      <Flex justify="space-between" align="center">
        <Typography.Title level={2}>{t('clusters.title')}</Typography.Title>
        {canRegister ? (
          <Button type="primary" onClick={() => setRegistering(true)}>
            {t('clusters.register')}
          </Button>
        ) : null}
      </Flex>
      <Table
        rowKey="name"
        loading={clusters.isLoading}
        dataSource={clusters.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: <Empty description={t('clusters.empty')} /> }}
        columns={[
          {
            title: t('common.name'),
            dataIndex: 'name',
            sorter: (a, b) => a.name.localeCompare(b.name),
            render: (name: string) => <Link to={`/clusters/${encodeURIComponent(name)}`}>{name}</Link>,
          },
          { title: t('common.status'), dataIndex: 'status', render: (status: string) => <StatusTag status={status} /> },
          { title: t('clusters.kubernetesVersion'), dataIndex: 'kubernetesVersion', render: (v: string | null) => v ?? '—' },
          { title: t('clusters.nodes'), dataIndex: 'nodes', render: (v: number | null) => v ?? '—' },
          { title: t('clusters.wardenVersion'), dataIndex: 'wardenVersion', render: (v: string | null) => v ?? '—' },
          {
            title: t('clusters.lastHeartbeat'),
            dataIndex: 'lastHeartbeat',
            render: (v: string | null) => (v ? t('common.ago', { age: age(v) }) : '—'),
          },
        ]}
      />
      <RegisterClusterDrawer open={registering} onClose={() => setRegistering(false)} />
    </>
  );
}
