import { Button, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Decodes a Secret's base64 value as UTF-8 text (binary shows as replacement characters). */
export function decodeSecretValue(base64: string): string {
  const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** A ConfigMap's or Secret's keys; Secret values stay hidden until the user reveals each one. */
export function DataTable({ data, secret }: { data: Record<string, string>; secret: boolean }) {
  const { t } = useTranslation();
  const [revealed, setRevealed] = useState<Set<string>>(new Set());
  return (
    <Table
      rowKey="key"
      size="small"
      pagination={false}
      dataSource={Object.entries(data).map(([key, value]) => ({ key, value }))}
      columns={[
        { title: t('workloads.key'), dataIndex: 'key', render: (key: string) => <Typography.Text code>{key}</Typography.Text> },
        {
          title: t('workloads.value'),
          render: (_: unknown, row: { key: string; value: string }) =>
            !secret ? (
              <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{row.value}</pre>
            ) : revealed.has(row.key) ? (
              <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{decodeSecretValue(row.value)}</pre>
            ) : (
              <Button
                size="small"
                onClick={() => setRevealed((current) => new Set(current).add(row.key))}
                aria-label={t('workloads.revealKey', { key: row.key })}
              >
                {t('workloads.reveal')}
              </Button>
            ),
        },
      ]}
    />
  );
}
