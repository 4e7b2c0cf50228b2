import { MinusCircleOutlined } from '@ant-design/icons';
import { Button, Form, Input, Space } from 'antd';
import { useTranslation } from 'react-i18next';

export interface QuotaRow {
  resource: string;
  quantity: string;
}

/** The form rows of a quota as the API's `hard` map (empty rows dropped). */
export function hardOf(rows: QuotaRow[] | undefined): Record<string, string> {
  const hard: Record<string, string> = {};
  for (const row of rows ?? []) if (row?.resource?.trim() && row.quantity?.trim()) hard[row.resource.trim()] = row.quantity.trim();
  return hard;
}

export function rowsOf(hard: Record<string, string> | undefined): QuotaRow[] {
  return Object.entries(hard ?? {}).map(([resource, quantity]) => ({ resource, quantity }));
}

/** Resource/quantity rows under `name` (a Form.List), with the usual keys offered first. */
export function QuotaRowsField({ name }: { name: string }) {
  const { t } = useTranslation();
  return (
    <Form.List name={name}>
      {(fields, { add, remove }) => (
        <>
          {fields.map((field) => (
            <Space key={field.key} align="baseline">
              <Form.Item name={[field.name, 'resource']} rules={[{ required: true, message: t('quota.resourceRequired') }]}>
                <Input placeholder="requests.cpu" aria-label={t('quota.resource')} list="cube-quota-resources" />
              </Form.Item>
              <Form.Item name={[field.name, 'quantity']} rules={[{ required: true, message: t('quota.quantityRequired') }]}>
                <Input placeholder="2" aria-label={t('quota.quantity')} />
              </Form.Item>
              <Button type="text" aria-label={t('common.remove')} icon={<MinusCircleOutlined />} onClick={() => remove(field.name)} />
            </Space>
          ))}
          <datalist id="cube-quota-resources">
            {['requests.cpu', 'limits.cpu', 'requests.memory', 'limits.memory', 'requests.storage', 'pods'].map((key) => (
              <option key={key} value={key} />
            ))}
          </datalist>
          <Button onClick={() => add({ resource: '', quantity: '' })}>{t('quota.addResource')}</Button>
        </>
      )}
    </Form.List>
  );
}
