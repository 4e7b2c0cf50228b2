import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Descriptions, Empty, Flex, Form, Input, Modal, Table, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import type { components } from '../api/schema.gen';
import { on } from '../auth/ability';
import { useMe } from '../auth/me';
import { age } from '../ui/age';
import { DeleteButton } from '../ui/confirm-delete';
import { markFieldErrors } from '../ui/form-errors';
import { ErrorAlert, PageError, PageLoading } from '../ui/page-state';
import { MembersPanel } from './members-panel';
import { TenantQuotasPanel } from './tenant-quotas-panel';
import { tenancyKeys, useProjects, useTenant } from './tenancy-queries';
import { NameField } from '../ui/name-field';

type CreateProject = components['schemas']['CreateProjectBody'];
type UpdateBody = components['schemas']['UpdateTenancyObjectBody'];

export default function TenantPage() {
  const { t } = useTranslation();
  const { tenant: name = '' } = useParams();
  const { client } = useApi();
  const { ability } = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const tenant = useTenant(name);
  const projects = useProjects(name);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<CreateProject>();
  const [editForm] = Form.useForm<UpdateBody>();
  const create = useMutation({
    mutationFn: (body: CreateProject) =>
      must(client.POST('/api/v1/tenants/{tenant}/projects', { params: { path: { tenant: name } }, body })),
    onSuccess: (project) => {
      void queryClient.invalidateQueries({ queryKey: tenancyKeys.projects(name) });
      setCreating(false);
      form.resetFields();
      void navigate(`/t/${encodeURIComponent(name)}/p/${encodeURIComponent(project.name)}`);
    },
    onError: (error) => markFieldErrors(form, error),
  });
  const update = useMutation({
    mutationFn: (body: UpdateBody) => must(client.PATCH('/api/v1/tenants/{tenant}', { params: { path: { tenant: name } }, body })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: tenancyKeys.tenant(name) }),
    onError: (error) => markFieldErrors(editForm, error),
  });
  const remove = useMutation({
    mutationFn: () => must(client.DELETE('/api/v1/tenants/{tenant}', { params: { path: { tenant: name }, query: { cascade: true } } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: tenancyKeys.tenants });
      void navigate('/tenants');
    },
  });
  if (tenant.error) return <PageError error={tenant.error} />;
  if (!tenant.data) return <PageLoading />;
  const projectNames = (projects.data?.items ?? []).map((project) => project.name);
  const mayUpdate = ability.can('update', on('Tenant', { tenant: name }));

  return (
    <>
      <Typography.Title level={2}>{t('tenants.tenantTitle', { tenant: tenant.data.displayName || name })}</Typography.Title>
      <Tabs
        items={[
          {
            key: 'projects',
            label: t('tenants.projects'),
            children: (
              <>
                {ability.can('create', on('Project', { tenant: name })) ? (
                  <Flex justify="end" style={{ marginBottom: 12 }}>
                    <Button type="primary" onClick={() => setCreating(true)}>
                      {t('projects.create')}
                    </Button>
                  </Flex>
                ) : null}
                {projects.error ? (
                  <PageError error={projects.error} />
                ) : (
                  <Table
                    rowKey="name"
                    loading={projects.isLoading}
                    pagination={false}
                    dataSource={projects.data?.items ?? []}
                    locale={{ emptyText: <Empty description={t('projects.empty')} /> }}
                    columns={[
                      {
                        title: t('common.name'),
                        dataIndex: 'name',
                        render: (project: string) => (
                          <Link to={`/t/${encodeURIComponent(name)}/p/${encodeURIComponent(project)}`}>{project}</Link>
                        ),
                      },
                      { title: t('common.displayName'), dataIndex: 'displayName' },
                      { title: t('common.description'), dataIndex: 'description' },
                      { title: t('common.age'), dataIndex: 'createdAt', render: (v: string) => age(v) },
                    ]}
                  />
                )}
              </>
            ),
          },
          { key: 'quotas', label: t('tenants.quotas'), children: <TenantQuotasPanel tenant={name} /> },
          { key: 'members', label: t('tenants.members'), children: <MembersPanel tenant={name} projects={projectNames} /> },
          {
            key: 'settings',
            label: t('tenants.settings'),
            children: (
              <Card>
                <Descriptions column={1} style={{ marginBottom: 16 }}>
                  <Descriptions.Item label={t('common.name')}>{name}</Descriptions.Item>
                  <Descriptions.Item label={t('common.createdBy')}>{tenant.data.createdBy}</Descriptions.Item>
                  <Descriptions.Item label={t('common.created')}>{new Date(tenant.data.createdAt).toLocaleString()}</Descriptions.Item>
                </Descriptions>
                <ErrorAlert error={update.error} />
                <Form
                  form={editForm}
                  layout="vertical"
                  disabled={!mayUpdate}
                  initialValues={{ displayName: tenant.data.displayName, description: tenant.data.description }}
                  onFinish={(values) => update.mutate(values)}
                >
                  <Form.Item label={t('common.displayName')} name="displayName">
                    <Input />
                  </Form.Item>
                  <Form.Item label={t('common.description')} name="description">
                    <Input />
                  </Form.Item>
                  {mayUpdate ? (
                    <Button type="primary" htmlType="submit" loading={update.isPending}>
                      {t('common.save')}
                    </Button>
                  ) : null}
                </Form>
                {ability.can('delete', on('Tenant', { tenant: name })) ? (
                  <div style={{ marginTop: 24 }}>
                    <ErrorAlert error={remove.error} />
                    <DeleteButton name={name} onConfirm={() => remove.mutateAsync()} label={t('tenants.delete')} />
                  </div>
                ) : null}
              </Card>
            ),
          },
        ]}
      />
      <Modal
        open={creating}
        title={t('projects.create')}
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
