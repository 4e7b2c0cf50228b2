import { AuditEntry } from '@cube/contracts';
import { csvHeader, csvRow } from './audit-export';

const entry: AuditEntry = {
  id: 'e1',
  time: '2026-11-26T10:00:00.000Z',
  source: 'kubernetes',
  actor: { user: 'alice', groups: ['dev', 'ops'], sourceIP: '10.0.0.1', userAgent: 'kubectl, v1.31' },
  action: 'create',
  target: { cluster: 'member-a', namespace: 'web', resource: 'configmaps', name: '=HYPERLINK("x")', apiGroup: null },
  requestId: 'r1',
  outcome: { status: 'failure', code: 403, reason: 'said "no"' },
  latencyMs: 1.5,
  requestBody: null,
  prevHash: '0'.repeat(64),
  hash: 'a'.repeat(64),
};

describe('audit CSV export', () => {
  it('quotes fields with commas and quotes, and neutralises spreadsheet formulas', () => {
    const columns = csvHeader().trim().split(',');
    expect(columns).toContain('user');
    const row = csvRow(entry);
    expect(row.endsWith('\r\n')).toBe(true);
    expect(row).toContain('"kubectl, v1.31"');
    expect(row).toContain('"said ""no"""');
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
  });

  it("puts a member event's Cube request id beside its own request id, empty for other records", () => {
    const columns = csvHeader().trim().split(',');
    const at = columns.indexOf('platformRequestId');
    expect(columns[at - 1]).toBe('requestId');
    const plain = { ...entry, actor: { ...entry.actor, userAgent: 'kubectl' }, outcome: { ...entry.outcome, reason: null } };
    expect(csvRow({ ...plain, platformRequestId: 'cube-r1' }).split(',')[at]).toBe('cube-r1');
    expect(csvRow(plain).split(',')[at]).toBe('');
  });
});
