import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';

// UI.md: a word plus a colour, never colour alone.
const COLOURS: Record<string, string> = {
  normal: 'green',
  running: 'green',
  active: 'green',
  succeeded: 'green',
  bound: 'green',
  success: 'green',
  pending: 'blue',
  applying: 'blue',
  abnormal: 'orange',
  degraded: 'orange',
  failed: 'red',
  failure: 'red',
  unreachable: 'red',
  disabled: 'default',
};

export function StatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  const key = status.toLowerCase();
  return <Tag color={COLOURS[key] ?? 'default'}>{t(`status.${key}`, { defaultValue: status })}</Tag>;
}
