import { Flex, Progress, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { quotaLines } from './quantity';

interface Props {
  cluster: string;
  hard: Record<string, string>;
  allocated?: Record<string, string>;
  used?: Record<string, string>;
}

/** UI.md: a bar per resource with hard / allocated / used, exact quantities shown, the cluster named. */
export function QuotaBars({ cluster, hard, allocated, used }: Props) {
  const { t } = useTranslation();
  const lines = quotaLines(hard, allocated, used);
  if (lines.length === 0) return <Typography.Text type="secondary">{t('quota.none', { cluster })}</Typography.Text>;
  return (
    <Flex vertical gap={4} aria-label={t('quota.ofCluster', { cluster })}>
      {lines.map((line) => {
        const exact = t('quota.exact', { used: line.used ?? '0', allocated: line.allocated ?? '0', hard: line.hard });
        return (
          <div key={line.resource} data-testid={`quota-${cluster}-${line.resource}`}>
            <Flex justify="space-between">
              <Typography.Text code>{line.resource}</Typography.Text>
              <Typography.Text type="secondary">{exact}</Typography.Text>
            </Flex>
            <Tooltip title={exact}>
              <Progress
                percent={line.allocatedPercent}
                success={{ percent: line.usedPercent }}
                status={line.over ? 'exception' : 'normal'}
                showInfo={false}
                aria-label={`${line.resource}: ${exact}`}
              />
            </Tooltip>
          </div>
        );
      })}
    </Flex>
  );
}
