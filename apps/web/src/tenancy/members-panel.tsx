import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Empty, Flex, Form, Input, Modal, Select, Table, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import type { components } from '../api/schema.gen';
import { useMe } from '../auth/me';
import { on } from '../auth/ability';
import { markFieldErrors } from '../ui/form-errors';
import { ErrorAlert, PageError } from '../ui/page-state';
import { grantableRoles } from '@cube/auth/grantable-roles';
import { tenancyKeys, useRoles } from './tenancy-queries';

type Binding = components['schemas']['RoleBindingView'];
type Scope = components['schemas']['BindingScopeBody'];
type RoleName = Binding['role'];

interface AddMember {
  user: string;
  role: RoleName;
  project: string;
}

/** Bindings at a tenant and its projects (`GET /tenants/{t}/members`), and adding/removing them. */
export function MembersPanel({ tenant, project, projects }: { tenant: string; project?: string; projects: string[] }) {
  const { t } = useTranslation();
  const { client } = useApi();
  const { me, ability } = useMe();
  const queryClient = useQueryClient();
  const roles = useRoles();
  const [adding, setAdding] = useState(false);
  const [form] = Form.useForm<AddMember>();
  const scopeProject = Form.useWatch('project', form) ?? project ?? '';
  const members = useQuery({
    queryKey: tenancyKeys.members(tenant),
    queryFn: () => must(client.GET('/api/v1/tenants/{tenant}/members', { params: { path: { tenant }, query: { limit: 500 } } })),
  });
  const scope: Scope = scopeProject ? { kind: 'project', tenant, project: scopeProject } : { kind: 'tenant', tenant };
  const offered = grantableRoles(roles.data?.items ?? [], me.bindings, scope);
  const add = useMutation({
    mutationFn: (values: AddMember) =>
      must(client.POST('/api/v1/rolebindings', { body: { subject: { kind: 'User', name: values.user }, role: values.role, scope } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: tenancyKeys.members(tenant) });
      setAdding(false);
      form.resetFields();
    },
    onError: (error) => markFieldErrors(form, error),
  });
  const remove = useMutation({
    mutationFn: (id: string) => must(client.DELETE('/api/v1/rolebindings/{id}', { params: { path: { id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: tenancyKeys.members(tenant) }),
  });
  if (members.error) return <PageError error={members.error} />;
  const rows = (members.data?.items ?? []).filter(
    (binding) => !project || binding.scope.kind === 'tenant' || binding.scope.project === project,
  );
  const mayManage = ability.can('create', on('RoleBinding', { tenant, ...(project ? { project } : {}) }));
  return (
    <>
      <ErrorAlert error={remove.error} />
      {mayManage &&
      grantableRoles(roles.data?.items ?? [], me.bindings, project ? { kind: 'project', tenant, project } : { kind: 'tenant', tenant })
        .length > 0 ? (
        <Flex justify="end" style={{ marginBottom: 12 }}>
          <Button type="primary" onClick={() => setAdding(true)}>
            {t('members.add')}
          </Button>
        </Flex>
      ) : null}
      <Table
        rowKey="id"
        size="small"
        loading={members.isLoading}
        pagination={false}
        dataSource={rows}
        locale={{ emptyText: <Empty description={t('members.empty')} /> }}
        columns={[
          {
            title: t('members.subject'),
            render: (_: unknown, b: Binding) => `${b.subject.name}${b.subject.kind === 'Group' ? ` (${t('members.group')})` : ''}`,
          },
          { title: t('members.role'), dataIndex: 'role', render: (role: string) => <Tag>{t(`roles.${role}`)}</Tag> },
          {
            title: t('members.scope'),
            render: (_: unknown, b: Binding) =>
              b.scope.kind === 'project' ? t('members.scopeProject', { project: b.scope.project }) : t('members.scopeTenant'),
          },
          {
            title: t('common.actions'),
            render: (_: unknown, b: Binding) =>
              grantableRoles(roles.data?.items ?? [], me.bindings, b.scope).some((role) => role.name === b.role) ? (
                <Button size="small" danger loading={remove.isPending && remove.variables === b.id} onClick={() => remove.mutate(b.id)}>
                  {t('common.remove')}
                </Button>
              ) : null,
          },
        ]}
      />
      <Modal
        open={adding}
        title={t('members.add')}
        okText={t('members.addSubmit')}
        onOk={() => form.submit()}
        onCancel={() => setAdding(false)}
        confirmLoading={add.isPending}
        destroyOnHidden
      >
        <ErrorAlert error={add.error} />
        <Form form={form} layout="vertical" initialValues={{ user: '', project: project ?? '' }} onFinish={(values) => add.mutate(values)}>
          <Form.Item label={t('members.user')} name="user" rules={[{ required: true, message: t('members.userRequired') }]}>
            <Input />
          </Form.Item>
          <Form.Item label={t('members.scope')} name="project">
            <Select
              disabled={Boolean(project)}
              options={[
                { value: '', label: t('members.scopeTenant') },
                ...projects.map((name) => ({ value: name, label: t('members.scopeProject', { project: name }) })),
              ]}
            />
          </Form.Item>
          <Form.Item
            label={t('members.role')}
            name="role"
            rules={[{ required: true, message: t('members.roleRequired') }]}
            extra={t('members.onlyGrantable')}
          >
            <Select options={offered.map((role) => ({ value: role.name, label: t(`roles.${role.name}`) }))} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
