import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Empty, Flex, Form, Modal, Select } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import { on } from '../auth/ability';
import { useMe } from '../auth/me';
import { useClusters } from '../clusters/cluster-queries';
import { markFieldErrors } from '../ui/form-errors';
import { ErrorAlert, PageError, PageLoading } from '../ui/page-state';
import { QuotaBars } from '../ui/quota-bars';
import { hardOf, QuotaRowsField, rowsOf, type QuotaRow } from './quota-editor';
import { tenancyKeys, useTenantQuotas } from './tenancy-queries';

interface SetQuota {
  cluster: string;
  rows: QuotaRow[];
}

/** A tenant's quota per cluster: bars of hard / allocated / used, and setting it (platform admins). */
export function TenantQuotasPanel({ tenant }: { tenant: string }) {
  const { t } = useTranslation();
  const { client } = useApi();
  const { ability } = useMe();
  const queryClient = useQueryClient();
  const quotas = useTenantQuotas(tenant);
  const mayEdit = ability.can('update', on('Quota', { level: 'tenant', tenant }));
  const clusters = useClusters(mayEdit);
  const [editing, setEditing] = useState(false);
  const [form] = Form.useForm<SetQuota>();
  const set = useMutation({
    mutationFn: (values: SetQuota) =>
      must(
        client.PUT('/api/v1/tenants/{tenant}/quotas/{cluster}', {
          params: { path: { tenant, cluster: values.cluster } },
          body: { hard: hardOf(values.rows) },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: tenancyKeys.quotas(tenant) });
      setEditing(false);
    },
    onError: (error) => markFieldErrors(form, error),
  });
  if (quotas.error) return <PageError error={quotas.error} />;
  if (!quotas.data) return <PageLoading />;
  const open = (cluster?: string) => {
    const current = quotas.data.find((quota) => quota.cluster === cluster);
    form.setFieldsValue({ cluster, rows: current ? rowsOf(current.hard) : [{ resource: 'requests.cpu', quantity: '' }] });
    set.reset();
    setEditing(true);
  };
  return (
    <>
      {mayEdit ? (
        <Flex justify="end" style={{ marginBottom: 12 }}>
          <Button type="primary" onClick={() => open()}>
            {t('quota.set')}
          </Button>
        </Flex>
      ) : null}
      {quotas.data.length === 0 ? <Empty description={t('quota.emptyTenant')} /> : null}
      <Flex vertical gap={16}>
        {quotas.data.map((quota) => (
          <Card
            key={quota.cluster}
            size="small"
            title={t('quota.onCluster', { cluster: quota.cluster })}
            extra={
              mayEdit ? (
                <Button size="small" onClick={() => open(quota.cluster)}>
                  {t('common.edit')}
                </Button>
              ) : null
            }
          >
            <QuotaBars cluster={quota.cluster} hard={quota.hard} allocated={quota.allocated} used={quota.used} />
          </Card>
        ))}
      </Flex>
      <Modal
        open={editing}
        title={t('quota.set')}
        okText={t('common.save')}
        onOk={() => form.submit()}
        onCancel={() => setEditing(false)}
        confirmLoading={set.isPending}
        forceRender
      >
        <ErrorAlert error={set.error} />
        <Form form={form} layout="vertical" onFinish={(values) => set.mutate(values)}>
          <Form.Item label={t('quota.cluster')} name="cluster" rules={[{ required: true, message: t('quota.clusterRequired') }]}>
            <Select options={(clusters.data?.items ?? []).map((cluster) => ({ value: cluster.name, label: cluster.name }))} />
          </Form.Item>
          <QuotaRowsField name="rows" />
        </Form>
      </Modal>
    </>
  );
}
