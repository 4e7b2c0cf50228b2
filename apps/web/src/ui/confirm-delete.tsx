import { Button, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

interface Props {
  name: string;
  onConfirm: () => Promise<unknown>;
  label?: string;
}

/** UI.md: a destructive action asks for the object's name to be typed. */
export function DeleteButton({ name, onConfirm, label }: Props) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <Button danger onClick={() => setOpen(true)}>
        {label ?? t('common.delete')}
      </Button>
      <Modal
        open={open}
        title={t('common.deleteTitle', { name })}
        okText={t('common.delete')}
        okButtonProps={{ danger: true, disabled: typed !== name, loading: busy }}
        onCancel={() => (setOpen(false), setTyped(''), setError(null))}
        onOk={async () => {
          setBusy(true);
          try {
            await onConfirm();
            setOpen(false);
            setTyped('');
          } catch (e: unknown) {
            setError(e instanceof Error ? e.message : String(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        <Typography.Paragraph>{t('common.deleteTypeName', { name })}</Typography.Paragraph>
        <Input aria-label={t('common.deleteTypeNameLabel')} value={typed} onChange={(e) => setTyped(e.target.value)} />
        {error ? <Typography.Text type="danger">{error}</Typography.Text> : null}
      </Modal>
    </>
  );
}
