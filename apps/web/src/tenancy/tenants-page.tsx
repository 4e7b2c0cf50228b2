import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Empty, Flex, Form, Input, Modal, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import type { components } from '../api/schema.gen';
import { useMe } from '../auth/me';
import { age } from '../ui/age';
import { markFieldErrors } from '../ui/form-errors';
import { ErrorAlert, PageError } from '../ui/page-state';
import { tenancyKeys } from './tenancy-queries';
import { NameField } from '../ui/name-field';

type CreateTenant = components['schemas']['CreateTenantBody'];

export default function TenantsPage() {
  const { t } = useTranslation();
  const { client } = useApi();
  const { ability } = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<CreateTenant>();
  const tenants = useQuery({
    queryKey: [...tenancyKeys.tenants, 'page', cursor ?? ''],
    queryFn: () => must(client.GET('/api/v1/tenants', { params: { query: { limit: 50, cursor } } })),
  });
  const create = useMutation({
    mutationFn: (body: CreateTenant) => must(client.POST('/api/v1/tenants', { body })),
    onSuccess: (tenant) => {
      void queryClient.invalidateQueries({ queryKey: tenancyKeys.tenants });
      setCreating(false);
      form.resetFields();
      void navigate(`/t/${encodeURIComponent(tenant.name)}`);
    },
    onError: (error) => markFieldErrors(form, error),
  });
  if (tenants.error) return <PageError error={tenants.error} />;
  return (
    <>
      <Flex justify="space-between" align="center">
        <Typography.Title level={2}>{t('tenants.title')}</Typography.Title>
        {ability.can('create', 'Tenant') ? (
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('tenants.create')}
          </Button>
        ) : null}
      </Flex>
      <Table
        rowKey="name"
        loading={tenants.isLoading}
        dataSource={tenants.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: <Empty description={t('tenants.empty')} /> }}
        columns={[
          {
            title: t('common.name'),
            dataIndex: 'name',
            render: (name: string) => <Link to={`/t/${encodeURIComponent(name)}`}>{name}</Link>,
          },
          { title: t('common.displayName'), dataIndex: 'displayName' },
          { title: t('common.description'), dataIndex: 'description' },
          { title: t('common.age'), dataIndex: 'createdAt', render: (v: string) => age(v) },
        ]}
      />
      <Flex gap={8} style={{ marginTop: 16 }}>
        <Button disabled={!cursor} onClick={() => setCursor(undefined)}>
          {t('common.firstPage')}
        </Button>
        <Button disabled={!tenants.data?.nextCursor} onClick={() => setCursor(tenants.data?.nextCursor ?? undefined)}>
          {t('common.nextPage')}
        </Button>
      </Flex>
      <Modal
        open={creating}
        title={t('tenants.create')}
        onCancel={() => setCreating(false)}
        okText={t('common.create')}
        onOk={() => form.submit()}
        confirmLoading={create.isPending}
        destroyOnHidden
      >
        <ErrorAlert error={create.error} />
        <Form
          form={form}
          layout="vertical"
          initialValues={{ name: '', displayName: '', description: '' }}
          onFinish={(values) => create.mutate(values)}
        >
          <NameField />
          <Form.Item label={t('common.displayName')} name="displayName">
            <Input />
          </Form.Item>
          <Form.Item label={t('common.description')} name="description">
            <Input />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
