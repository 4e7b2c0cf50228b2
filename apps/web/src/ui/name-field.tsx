import { Form, Input } from 'antd';
import { useTranslation } from 'react-i18next';

/** The `name` field of a create form: required, a DNS label as the API checks it (its 4xx stays the judge). */
export function NameField({ disabled = false }: { disabled?: boolean }) {
  const { t } = useTranslation();
  return (
    <Form.Item
      label={t('common.name')}
      name="name"
      rules={[{ required: true, message: t('common.nameRequired') }]}
      extra={t('common.dnsLabel')}
    >
      <Input disabled={disabled} />
    </Form.Item>
  );
}
