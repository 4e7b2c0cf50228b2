import { AuditEntry } from '@cube/contracts';

export const CSV_COLUMNS = [
  'time',
  'id',
  'source',
  'user',
  'groups',
  'sourceIP',
  'userAgent',
  'action',
  'cluster',
  'namespace',
  'resource',
  'name',
  'apiGroup',
  'requestId',
  'platformRequestId',
  'outcome',
  'code',
  'reason',
  'latencyMs',
  'hash',
] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading formula character is neutralised. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // Spreadsheets run cells starting with = + - @ as formulas (CSV injection).
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvRow(entry: AuditEntry): string {
  const values = [
    entry.time,
    entry.id,
    entry.source,
    entry.actor.user,
    entry.actor.groups.join(' '),
    entry.actor.sourceIP,
    entry.actor.userAgent,
    entry.action,
    entry.target.cluster,
    entry.target.namespace,
    entry.target.resource,
    entry.target.name,
    entry.target.apiGroup,
    entry.requestId,
    entry.platformRequestId,
    entry.outcome.status,
    entry.outcome.code,
    entry.outcome.reason,
    entry.latencyMs,
    entry.hash,
  ];
  return `${values.map(csvField).join(',')}\r\n`;
}
