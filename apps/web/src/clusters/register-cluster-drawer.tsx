import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Drawer, Form, Input, Upload } from 'antd';
import { useTranslation } from 'react-i18next';
import { must } from '../api/api';
import { useApi } from '../api/api-context';
import type { components } from '../api/schema.gen';
import { markFieldErrors } from '../ui/form-errors';
import { ErrorAlert } from '../ui/page-state';
import { clusterKeys } from './cluster-queries';
import { NameField } from '../ui/name-field';

type RegisterBody = components['schemas']['RegisterClusterBody'];

export function RegisterClusterDrawer({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { client } = useApi();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<RegisterBody>();
  const register = useMutation({
    mutationFn: (body: RegisterBody) => must(client.POST('/api/v1/clusters', { body })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: clusterKeys.all });
      form.resetFields();
      onClose();
    },
    onError: (error) => markFieldErrors(form, error, 'kubeconfig'),
  });
  return (
    <Drawer open={open} onClose={onClose} title={t('clusters.register')} width={640} destroyOnHidden>
      <ErrorAlert error={register.error} />
      <Form
        form={form}
        layout="vertical"
        initialValues={{ name: '', displayName: '', description: '', kubeconfig: '' }}
        onFinish={(values) =>
          register.mutate({ ...values, displayName: values.displayName || undefined, description: values.description || undefined })
        }
      >
        <NameField />
        <Form.Item label={t('common.displayName')} name="displayName">
          <Input />
        </Form.Item>
        <Form.Item label={t('common.description')} name="description">
          <Input />
        </Form.Item>
        <Form.Item
          label={t('clusters.kubeconfig')}
          name="kubeconfig"
          rules={[{ required: true, message: t('clusters.kubeconfigRequired') }]}
          extra={t('clusters.kubeconfigHint')}
        >
          <Input.TextArea rows={12} spellCheck={false} style={{ fontFamily: 'monospace' }} />
        </Form.Item>
        <Upload
          accept=".yaml,.yml,.json,.conf,.kubeconfig,text/*"
          showUploadList={false}
          beforeUpload={(file) => {
            void file.text().then((text) => form.setFieldValue('kubeconfig', text));
            return false;
          }}
        >
          <Button>{t('clusters.uploadKubeconfig')}</Button>
        </Upload>
        <div style={{ marginTop: 24 }}>
          <Button type="primary" htmlType="submit" loading={register.isPending}>
            {register.isPending ? t('clusters.connecting') : t('clusters.registerSubmit')}
          </Button>
        </div>
      </Form>
    </Drawer>
  );
}
