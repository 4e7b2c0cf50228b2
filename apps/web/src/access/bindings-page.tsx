import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Empty, Flex, Form, Input, Modal, Select, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import type { components } from '../api/schema.gen';
import { useMe } from '../auth/me';
import { markFieldErrors } from '../ui/form-errors';
import { ErrorAlert, PageError } from '../ui/page-state';
import { grantableRoles } from '@cube/auth/grantable-roles';
import { useRoles } from '../tenancy/tenancy-queries';

type Binding = components['schemas']['RoleBindingView'];

function describeScope(binding: Binding, t: (key: string, options?: Record<string, unknown>) => string): string {
  if (binding.scope.kind === 'platform') return t('bindings.platform');
  if (binding.scope.kind === 'tenant') return t('bindings.tenant', { tenant: binding.scope.tenant });
  return t('bindings.project', { tenant: binding.scope.tenant, project: binding.scope.project });
}

/** Every binding the caller may see; platform-scope bindings are granted here (tenant ones on the tenant's page). */
export default function BindingsPage() {
  const { t } = useTranslation();
  const { client } = useApi();
  const { me } = useMe();
  const queryClient = useQueryClient();
  const roles = useRoles();
  const [cursor, setCursor] = useState<string | undefined>();
  const [user, setUser] = useState('');
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm<{ user: string; role: Binding['role'] }>();
  const bindings = useQuery({
    queryKey: ['rolebindings', cursor ?? '', user],
    queryFn: () => must(client.GET('/api/v1/rolebindings', { params: { query: { limit: 50, cursor, user: user || undefined } } })),
  });
  const platformRoles = grantableRoles(roles.data?.items ?? [], me.bindings, { kind: 'platform' });
  const add = useMutation({
    mutationFn: (values: { user: string; role: Binding['role'] }) =>
      must(
        client.POST('/api/v1/rolebindings', {
          body: { subject: { kind: 'User', name: values.user }, role: values.role, scope: { kind: 'platform' } },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['rolebindings'] });
      setAdding(false);
    },
    onError: (error) => markFieldErrors(form, error),
  });
  const remove = useMutation({
    mutationFn: (id: string) => must(client.DELETE('/api/v1/rolebindings/{id}', { params: { path: { id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['rolebindings'] }),
  });
  if (bindings.error) return <PageError error={bindings.error} />;
  return (
    <>
      <Flex justify="space-between" align="center">
        <Typography.Title level={2}>{t('bindings.title')}</Typography.Title>
        {platformRoles.length ? (
          <Button type="primary" onClick={() => setAdding(true)}>
            {t('bindings.addPlatform')}
          </Button>
        ) : null}
      </Flex>
      <Input.Search
        aria-label={t('bindings.filterUser')}
        placeholder={t('bindings.filterUser')}
        onSearch={(value) => (setUser(value.trim()), setCursor(undefined))}
        allowClear
        style={{ maxWidth: 320, marginBottom: 12 }}
      />
      <ErrorAlert error={remove.error} />
      <Table
        rowKey="id"
        loading={bindings.isLoading}
        pagination={false}
        dataSource={bindings.data?.items ?? []}
        locale={{ emptyText: <Empty description={t('bindings.empty')} /> }}
        columns={[
          { title: t('members.subject'), render: (_: unknown, b: Binding) => `${b.subject.kind}: ${b.subject.name}` },
          { title: t('members.role'), dataIndex: 'role', render: (role: string) => <Tag>{t(`roles.${role}`)}</Tag> },
          { title: t('members.scope'), render: (_: unknown, b: Binding) => describeScope(b, t) },
          { title: t('common.createdBy'), dataIndex: 'createdBy' },
          {
            title: t('common.actions'),
            render: (_: unknown, b: Binding) =>
              grantableRoles(roles.data?.items ?? [], me.bindings, b.scope).some((role) => role.name === b.role) ? (
                <Button size="small" danger onClick={() => remove.mutate(b.id)}>
                  {t('common.remove')}
                </Button>
              ) : null,
          },
        ]}
      />
      <Flex gap={8} style={{ marginTop: 16 }}>
        <Button disabled={!cursor} onClick={() => setCursor(undefined)}>
          {t('common.firstPage')}
        </Button>
        <Button disabled={!bindings.data?.nextCursor} onClick={() => setCursor(bindings.data?.nextCursor ?? undefined)}>
          {t('common.nextPage')}
        </Button>
      </Flex>
      <Modal
        open={adding}
        title={t('bindings.addPlatform')}
        okText={t('members.addSubmit')}
        onOk={() => form.submit()}
        onCancel={() => setAdding(false)}
        confirmLoading={add.isPending}
        destroyOnHidden
      >
        <ErrorAlert error={add.error} />
        <Form form={form} layout="vertical" onFinish={(values) => add.mutate(values)}>
          <Form.Item label={t('members.user')} name="user" rules={[{ required: true, message: t('members.userRequired') }]}>
            <Input />
          </Form.Item>
          <Form.Item label={t('members.role')} name="role" rules={[{ required: true, message: t('members.roleRequired') }]}>
            <Select options={platformRoles.map((role) => ({ value: role.name, label: t(`roles.${role.name}`) }))} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
