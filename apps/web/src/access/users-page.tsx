import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Empty, Flex, Form, Input, Modal, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import type { components } from '../api/schema.gen';
import { useMe } from '../auth/me';
import { DeleteButton } from '../ui/confirm-delete';
import { markFieldErrors } from '../ui/form-errors';
import { ErrorAlert, PageError } from '../ui/page-state';
import { StatusTag } from '../ui/status-tag';
import { NameField } from '../ui/name-field';

type User = components['schemas']['UserView'];
type CreateUser = components['schemas']['CreateUserBody'];

export default function UsersPage() {
  const { t } = useTranslation();
  const { client } = useApi();
  const { ability, me } = useMe();
  const queryClient = useQueryClient();
  const [cursor, setCursor] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<CreateUser>();
  const users = useQuery({
    queryKey: ['users', cursor ?? ''],
    queryFn: () => must(client.GET('/api/v1/users', { params: { query: { limit: 50, cursor } } })),
  });
  const invalidate = () => void queryClient.invalidateQueries({ queryKey: ['users'] });
  const create = useMutation({
    mutationFn: (body: CreateUser) => must(client.POST('/api/v1/users', { body: { ...body, password: body.password || undefined } })),
    onSuccess: () => {
      invalidate();
      setCreating(false);
      form.resetFields();
    },
    onError: (error) => markFieldErrors(form, error),
  });
  const setState = useMutation({
    mutationFn: ({ user, state }: { user: string; state: User['state'] }) =>
      must(client.PATCH('/api/v1/users/{user}', { params: { path: { user } }, body: { state } })),
    onSuccess: invalidate,
  });
  const remove = useMutation({
    mutationFn: (user: string) => must(client.DELETE('/api/v1/users/{user}', { params: { path: { user } } })),
    onSuccess: invalidate,
  });
  if (users.error) return <PageError error={users.error} />;
  return (
    <>
      <Flex justify="space-between" align="center">
        <Typography.Title level={2}>{t('users.title')}</Typography.Title>
        {ability.can('create', 'User') ? (
          <Button type="primary" onClick={() => setCreating(true)}>
            {t('users.create')}
          </Button>
        ) : null}
      </Flex>
      <ErrorAlert error={setState.error ?? remove.error} />
      <Table
        rowKey="name"
        loading={users.isLoading}
        pagination={false}
        dataSource={users.data?.items ?? []}
        locale={{ emptyText: <Empty description={t('users.empty')} /> }}
        columns={[
          { title: t('common.name'), dataIndex: 'name' },
          { title: t('common.displayName'), dataIndex: 'displayName' },
          { title: t('users.email'), dataIndex: 'email', render: (v: string | null) => v ?? '—' },
          { title: t('users.source'), dataIndex: 'source' },
          { title: t('common.status'), dataIndex: 'state', render: (state: string) => <StatusTag status={state} /> },
          { title: t('users.lastLogin'), dataIndex: 'lastLoginAt', render: (v: string | null) => (v ? new Date(v).toLocaleString() : '—') },
          {
            title: t('common.actions'),
            render: (_: unknown, user: User) =>
              user.name === me.user.name ? null : (
                <Space>
                  <Button
                    size="small"
                    onClick={() => setState.mutate({ user: user.name, state: user.state === 'active' ? 'disabled' : 'active' })}
                  >
                    {user.state === 'active' ? t('users.disable') : t('users.enable')}
                  </Button>
                  <DeleteButton name={user.name} onConfirm={() => remove.mutateAsync(user.name)} />
                </Space>
              ),
          },
        ]}
      />
      <Flex gap={8} style={{ marginTop: 16 }}>
        <Button disabled={!cursor} onClick={() => setCursor(undefined)}>
          {t('common.firstPage')}
        </Button>
        <Button disabled={!users.data?.nextCursor} onClick={() => setCursor(users.data?.nextCursor ?? undefined)}>
          {t('common.nextPage')}
        </Button>
      </Flex>
      <Modal
        open={creating}
        title={t('users.create')}
        okText={t('common.create')}
        onOk={() => form.submit()}
        onCancel={() => setCreating(false)}
        confirmLoading={create.isPending}
        destroyOnHidden
      >
        <ErrorAlert error={create.error} />
        <Form
          form={form}
          layout="vertical"
          initialValues={{ name: '', displayName: '', email: '', password: '' }}
          onFinish={(values) =>
            create.mutate({ ...values, email: values.email || undefined, displayName: values.displayName || undefined })
          }
        >
          <NameField />
          <Form.Item label={t('common.displayName')} name="displayName">
            <Input />
          </Form.Item>
          <Form.Item label={t('users.email')} name="email">
            <Input type="email" />
          </Form.Item>
          <Form.Item label={t('users.password')} name="password" extra={t('users.passwordHint')}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
