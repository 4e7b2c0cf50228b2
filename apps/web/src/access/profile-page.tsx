import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Descriptions, Empty, Flex, Form, Input, List, Modal, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import type { components } from '../api/schema.gen';
import { meKey, useMe } from '../auth/me';
import { useClusters } from '../clusters/cluster-queries';
import { markFieldErrors } from '../ui/form-errors';
import { ErrorAlert } from '../ui/page-state';
import { downloadKubeconfig } from './kubeconfig-download';

type CreatedToken = components['schemas']['CreatedApiTokenView'];
type UpdateUser = components['schemas']['UpdateUserBody'];
type SetPassword = components['schemas']['SetPasswordBody'];

export default function ProfilePage() {
  const { t } = useTranslation();
  const api = useApi();
  const { client } = api;
  const { me } = useMe();
  const queryClient = useQueryClient();
  const clusters = useClusters();
  const [profileForm] = Form.useForm<UpdateUser>();
  const [passwordForm] = Form.useForm<SetPassword>();
  const [tokenForm] = Form.useForm<{ name: string }>();
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const user = me.user.name;
  const tokens = useQuery({
    queryKey: ['tokens'],
    queryFn: () => must(client.GET('/api/v1/tokens', { params: { query: { limit: 500 } } })),
  });
  const update = useMutation({
    mutationFn: (body: UpdateUser) => must(client.PATCH('/api/v1/users/{user}', { params: { path: { user } }, body })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: meKey }),
    onError: (error) => markFieldErrors(profileForm, error),
  });
  const password = useMutation({
    mutationFn: (body: SetPassword) => must(client.PUT('/api/v1/users/{user}/password', { params: { path: { user } }, body })),
    onSuccess: () => passwordForm.resetFields(),
    onError: (error) => markFieldErrors(passwordForm, error),
  });
  const createToken = useMutation({
    mutationFn: (name: string) => must(client.POST('/api/v1/tokens', { body: { name } })),
    onSuccess: (token) => {
      setCreated(token);
      tokenForm.resetFields();
      void queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
    onError: (error) => markFieldErrors(tokenForm, error),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => must(client.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['tokens'] }),
  });
  const download = (cluster?: string) => {
    setDownloadError(null);
    void downloadKubeconfig(api, cluster).then(() => void queryClient.invalidateQueries({ queryKey: ['tokens'] }), setDownloadError);
  };

  return (
    <>
      <Typography.Title level={2}>{t('profile.title')}</Typography.Title>
      <Flex vertical gap={16}>
        <Card title={t('profile.details')}>
          <Descriptions column={2} style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t('common.name')}>{user}</Descriptions.Item>
            <Descriptions.Item label={t('users.source')}>{me.user.source}</Descriptions.Item>
            <Descriptions.Item label={t('profile.roles')} span={2}>
              {me.bindings
                .map(
                  (b) =>
                    `${t(`roles.${b.role}`)} (${b.scope.kind === 'platform' ? t('bindings.platform') : b.scope.kind === 'tenant' ? t('bindings.tenant', { tenant: b.scope.tenant }) : t('bindings.project', { tenant: b.scope.tenant, project: b.scope.project })})`,
                )
                .join(', ') || '—'}
            </Descriptions.Item>
          </Descriptions>
          <ErrorAlert error={update.error} />
          <Form
            form={profileForm}
            layout="inline"
            initialValues={{ displayName: me.user.displayName, email: me.user.email ?? '', phone: me.user.phone ?? '' }}
            onFinish={(values) => update.mutate(values)}
          >
            <Form.Item label={t('common.displayName')} name="displayName">
              <Input />
            </Form.Item>
            <Form.Item label={t('users.email')} name="email">
              <Input />
            </Form.Item>
            <Form.Item label={t('profile.phone')} name="phone">
              <Input />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={update.isPending}>
              {t('common.save')}
            </Button>
          </Form>
        </Card>
        {me.user.source === 'local' ? (
          <Card title={t('profile.password')}>
            <ErrorAlert error={password.error} />
            {password.isSuccess ? (
              <Alert type="success" showIcon message={t('profile.passwordChanged')} style={{ marginBottom: 16 }} />
            ) : null}
            <Form form={passwordForm} layout="inline" onFinish={(values) => password.mutate(values)}>
              <Form.Item label={t('profile.currentPassword')} name="currentPassword">
                <Input.Password autoComplete="current-password" />
              </Form.Item>
              <Form.Item
                label={t('profile.newPassword')}
                name="newPassword"
                rules={[{ required: true, min: 10, message: t('profile.newPasswordRule') }]}
              >
                <Input.Password autoComplete="new-password" />
              </Form.Item>
              <Button htmlType="submit" loading={password.isPending}>
                {t('profile.changePassword')}
              </Button>
            </Form>
          </Card>
        ) : null}
        <Card title={t('tokens.title')} id="tokens">
          <ErrorAlert error={createToken.error ?? revoke.error} />
          <Form form={tokenForm} layout="inline" onFinish={(values) => createToken.mutate(values.name)} style={{ marginBottom: 16 }}>
            <Form.Item label={t('tokens.name')} name="name" rules={[{ required: true, message: t('common.nameRequired') }]}>
              <Input />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={createToken.isPending}>
              {t('tokens.create')}
            </Button>
          </Form>
          <Table
            rowKey="id"
            size="small"
            pagination={false}
            loading={tokens.isLoading}
            dataSource={tokens.data?.items ?? []}
            locale={{ emptyText: <Empty description={t('tokens.empty')} /> }}
            columns={[
              { title: t('tokens.name'), dataIndex: 'name' },
              { title: t('common.created'), dataIndex: 'createdAt', render: (v: string) => new Date(v).toLocaleString() },
              {
                title: t('tokens.expires'),
                dataIndex: 'expiresAt',
                render: (v: string | null) => (v ? new Date(v).toLocaleString() : t('tokens.never')),
              },
              {
                title: t('tokens.lastUsed'),
                dataIndex: 'lastUsedAt',
                render: (v: string | null) => (v ? new Date(v).toLocaleString() : '—'),
              },
              {
                title: t('common.actions'),
                render: (_: unknown, token: { id: string }) => (
                  <Button size="small" danger onClick={() => revoke.mutate(token.id)}>
                    {t('tokens.revoke')}
                  </Button>
                ),
              },
            ]}
          />
        </Card>
        <Card title={t('kubeconfig.title')} id="kubeconfig">
          <ErrorAlert error={downloadError} />
          <Typography.Paragraph type="secondary">{t('kubeconfig.hint')}</Typography.Paragraph>
          <Button type="primary" onClick={() => download()} style={{ marginBottom: 12 }}>
            {t('kubeconfig.all')}
          </Button>
          <List
            size="small"
            dataSource={clusters.data?.items ?? []}
            renderItem={(cluster) => (
              <List.Item
                actions={[
                  <Button key="download" size="small" onClick={() => download(cluster.name)}>
                    {t('kubeconfig.download')}
                  </Button>,
                ]}
              >
                {cluster.name}
              </List.Item>
            )}
          />
        </Card>
      </Flex>
      <Modal
        open={created !== null}
        title={t('tokens.createdTitle')}
        onOk={() => setCreated(null)}
        onCancel={() => setCreated(null)}
        cancelButtonProps={{ style: { display: 'none' } }}
        okText={t('tokens.copied')}
      >
        <Alert type="warning" showIcon message={t('tokens.shownOnce')} style={{ marginBottom: 12 }} />
        <Typography.Paragraph copyable={{ text: created?.token ?? '' }} code style={{ wordBreak: 'break-all' }} data-testid="created-token">
          {created?.token}
        </Typography.Paragraph>
      </Modal>
    </>
  );
}
