import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Empty, Flex, Form, Modal, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import type { components } from '../api/schema.gen';
import { on } from '../auth/ability';
import { useMe } from '../auth/me';
import { useClusters } from '../clusters/cluster-queries';
import { scopePath } from '../layout/scope';
import { age } from '../ui/age';
import { DeleteButton } from '../ui/confirm-delete';
import { markFieldErrors } from '../ui/form-errors';
import { ErrorAlert, PageError } from '../ui/page-state';
import { MembersPanel } from './members-panel';
import { hardOf, QuotaRowsField, rowsOf, type QuotaRow } from './quota-editor';
import { tenancyKeys } from './tenancy-queries';
import { NameField } from '../ui/name-field';

type Namespace = components['schemas']['NamespaceView'];

interface NamespaceForm {
  name: string;
  cluster: string;
  rows: QuotaRow[];
}

export default function ProjectPage() {
  const { t } = useTranslation();
  const { tenant = '', project = '' } = useParams();
  const { client } = useApi();
  const { ability } = useMe();
  const queryClient = useQueryClient();
  const clusters = useClusters();
  const [editing, setEditing] = useState<Namespace | 'new' | null>(null);
  const [form] = Form.useForm<NamespaceForm>();
  const path = { tenant, project };
  const projectQuery = useQuery({
    queryKey: tenancyKeys.project(tenant, project),
    queryFn: () => must(client.GET('/api/v1/tenants/{tenant}/projects/{project}', { params: { path } })),
  });
  const namespaces = useQuery({
    queryKey: tenancyKeys.namespaces(tenant, project),
    queryFn: () => must(client.GET('/api/v1/tenants/{tenant}/projects/{project}/namespaces', { params: { path, query: { limit: 500 } } })),
  });
  const invalidate = () => {
    void queryClient.invalidateQueries({ queryKey: tenancyKeys.namespaces(tenant, project) });
    void queryClient.invalidateQueries({ queryKey: tenancyKeys.quotas(tenant) });
  };
  const save = useMutation({
    mutationFn: (values: NamespaceForm) => {
      const hard = hardOf(values.rows);
      if (editing !== 'new' && editing) {
        return must(
          client.PUT('/api/v1/tenants/{tenant}/projects/{project}/namespaces/{cluster}/{namespace}/quota', {
            params: { path: { ...path, cluster: editing.cluster, namespace: editing.name } },
            body: { hard },
          }),
        );
      }
      const quota = Object.keys(hard).length ? { hard } : undefined;
      return must(
        client.POST('/api/v1/tenants/{tenant}/projects/{project}/namespaces', {
          params: { path },
          body: { name: values.name, cluster: values.cluster, quota },
        }),
      );
    },
    onSuccess: () => {
      invalidate();
      setEditing(null);
    },
    onError: (error) => markFieldErrors(form, error),
  });
  const remove = useMutation({
    mutationFn: (ns: Namespace) =>
      must(
        client.DELETE('/api/v1/tenants/{tenant}/projects/{project}/namespaces/{cluster}/{namespace}', {
          params: { path: { ...path, cluster: ns.cluster, namespace: ns.name } },
        }),
      ),
    onSuccess: invalidate,
  });
  if (projectQuery.error) return <PageError error={projectQuery.error} />;
  const mayManage = ability.can('create', on('Namespace', { tenant, project }));
  const open = (target: Namespace | 'new') => {
    save.reset();
    form.setFieldsValue(
      target === 'new'
        ? { name: '', cluster: undefined, rows: [{ resource: 'requests.cpu', quantity: '' }] }
        : { name: target.name, cluster: target.cluster, rows: rowsOf(target.quota?.hard) },
    );
    setEditing(target);
  };

  return (
    <>
      <Typography.Title level={2}>
        <Link to={`/t/${encodeURIComponent(tenant)}`}>{tenant}</Link> / {projectQuery.data?.displayName || project}
      </Typography.Title>
      <Tabs
        items={[
          {
            key: 'namespaces',
            label: t('projects.namespaces'),
            children: (
              <>
                <ErrorAlert error={remove.error} />
                {mayManage ? (
                  <Flex justify="end" style={{ marginBottom: 12 }}>
                    <Button type="primary" onClick={() => open('new')}>
                      {t('namespaces.create')}
                    </Button>
                  </Flex>
                ) : null}
                {namespaces.error ? (
                  <PageError error={namespaces.error} />
                ) : (
                  <Table
                    rowKey={(ns) => `${ns.cluster}/${ns.name}`}
                    loading={namespaces.isLoading}
                    pagination={false}
                    dataSource={namespaces.data?.items ?? []}
                    locale={{ emptyText: <Empty description={t('namespaces.empty')} /> }}
                    columns={[
                      {
                        title: t('common.name'),
                        render: (_: unknown, ns: Namespace) => (
                          <Link to={`${scopePath({ tenant, project, cluster: ns.cluster, namespace: ns.name })}/pods`}>{ns.name}</Link>
                        ),
                      },
                      { title: t('namespaces.cluster'), dataIndex: 'cluster' },
                      {
                        title: t('namespaces.quota'),
                        render: (_: unknown, ns: Namespace) =>
                          ns.quota ? (
                            <Space wrap>
                              {Object.entries(ns.quota.hard).map(([resource, quantity]) => (
                                <Tag key={resource}>{`${resource}=${quantity}`}</Tag>
                              ))}
                            </Space>
                          ) : (
                            t('namespaces.noQuota')
                          ),
                      },
                      { title: t('common.age'), dataIndex: 'createdAt', render: (v: string) => age(v) },
                      {
                        title: t('common.actions'),
                        render: (_: unknown, ns: Namespace) =>
                          mayManage ? (
                            <Space>
                              <Button size="small" onClick={() => open(ns)}>
                                {t('namespaces.editQuota')}
                              </Button>
                              <DeleteButton name={ns.name} onConfirm={() => remove.mutateAsync(ns)} />
                            </Space>
                          ) : null,
                      },
                    ]}
                  />
                )}
              </>
            ),
          },
          {
            key: 'members',
            label: t('tenants.members'),
            children: <MembersPanel tenant={tenant} project={project} projects={[project]} />,
          },
        ]}
      />
      <Modal
        open={editing !== null}
        title={editing === 'new' ? t('namespaces.create') : t('namespaces.editQuota')}
        okText={t('common.save')}
        onOk={() => form.submit()}
        onCancel={() => setEditing(null)}
        confirmLoading={save.isPending}
        forceRender
      >
        <ErrorAlert error={save.error} />
        <Form form={form} layout="vertical" onFinish={(values) => save.mutate(values)}>
          <NameField disabled={editing !== 'new'} />
          <Form.Item label={t('namespaces.cluster')} name="cluster" rules={[{ required: true, message: t('quota.clusterRequired') }]}>
            <Select
              disabled={editing !== 'new'}
              options={(clusters.data?.items ?? []).map((cluster) => ({ value: cluster.name, label: cluster.name }))}
            />
          </Form.Item>
          <Typography.Paragraph type="secondary">{t('namespaces.quotaHint')}</Typography.Paragraph>
          <QuotaRowsField name="rows" />
        </Form>
      </Modal>
    </>
  );
}
