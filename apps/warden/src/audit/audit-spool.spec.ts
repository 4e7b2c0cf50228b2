import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_SPOOL_DIR, auditEventsOf, AuditSpool, AuditSpoolFullError, SpoolBatch } from './audit-spool';

const event = (n: number, stage = 'ResponseComplete') => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: `audit-${n}`,
  stage,
  verb: 'create',
  requestURI: `/api/v1/namespaces/a/configmaps`,
  objectRef: { resource: 'configmaps', namespace: 'a', name: `cm-${n}` },
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => event(from + i));

/** Everything the spool hands out, committing each batch, as a forwarder would. */
async function drain(spool: AuditSpool, window = 10, stopAfter = Infinity): Promise<string[]> {
  const ids: string[] = [];
  let batches = 0;
  for (let batch: SpoolBatch | null; batches < stopAfter && (batch = await spool.next(window)); batches++) {
    ids.push(...batch.events.map((e) => e.id));
    await spool.commit(batch);
  }
  return ids;
}

describe('AuditSpool', () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'cube-audit-spool-'));
  });
  afterEach(() => rm(stateDir, { recursive: true, force: true }));

  it('hands out the batches in the order they were appended, each event once, and deletes what was committed', async () => {
    const spool = await AuditSpool.open(stateDir);
    await Promise.all([spool.append(range(0, 25)), spool.append(range(25, 30)), spool.append([])]);
    expect(spool.segmentCount).toBe(2);
    expect(spool.bytes).toBeGreaterThan(0);
    expect(await drain(spool, 10)).toEqual(range(0, 30).map((e) => e.auditID));
    expect(spool.bytes).toBe(0);
    expect(await readdir(join(stateDir, AUDIT_SPOOL_DIR))).not.toContainEqual(expect.stringMatching(/\.ndjson$/));
    expect(await spool.next(10)).toBeNull();
  });

  it('ids a non-final stage apart from the final one, as the stored record does', async () => {
    const spool = await AuditSpool.open(stateDir);
    await spool.append([event(1, 'ResponseStarted'), event(1)]);
    expect((await spool.next(10))?.events.map((e) => e.id)).toEqual(['audit-1/ResponseStarted', 'audit-1']);
  });

  it('refuses a batch that does not fit, whole, counts it, and takes batches again once drained', async () => {
    const probe = await AuditSpool.open(join(stateDir, 'probe'));
    await probe.append(range(10, 20));
    const tenEvents = probe.bytes;
    // Room for two batches of ten and a part of a third.
    const spool = await AuditSpool.open(stateDir, tenEvents * 2 + tenEvents / 2);
    await spool.append(range(10, 20));
    await spool.append(range(20, 30));
    const refused = await spool.append(range(30, 40)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AuditSpoolFullError);
    expect(String(refused)).toContain('audit spool full');
    expect(spool.rejectedEvents).toBe(10);
    expect(spool.rejectedBatches).toBe(1);
    expect(spool.bytes).toBe(tenEvents * 2);
    expect(await drain(spool, 10, 1)).toHaveLength(10);
    await spool.append(range(30, 40));
    expect(await drain(spool)).toEqual(range(20, 40).map((e) => e.auditID));
  });

  it('resumes after a restart from the committed cursor, a partly forwarded segment included, and keeps appending after it', async () => {
    const first = await AuditSpool.open(stateDir);
    await first.append(range(0, 20));
    await first.append(range(20, 30));
    // Forwarded the first 15: one whole window of 10 and a part of the segment's second window.
    expect(await drain(first, 5, 3)).toEqual(range(0, 15).map((e) => e.auditID));
    const second = await AuditSpool.open(stateDir);
    expect(second.segmentCount).toBe(2);
    await second.append(range(30, 35));
    expect(await drain(second, 7)).toEqual(range(15, 35).map((e) => e.auditID));
    const third = await AuditSpool.open(stateDir);
    expect(third.bytes).toBe(0);
    await third.append(range(35, 36));
    expect(await drain(third)).toEqual(['audit-35']);
  });

  it('forgets a batch being written when the process died (never acknowledged) and forwards the events before a damaged tail', async () => {
    const first = await AuditSpool.open(stateDir);
    await first.append(range(0, 5));
    await first.append(range(5, 10));
    const dir = join(stateDir, AUDIT_SPOOL_DIR);
    const [oldest] = (await readdir(dir)).filter((name) => name.endsWith('.ndjson')).sort();
    const text = await readFile(join(dir, String(oldest)), 'utf8');
    // The disk lost the end of the first segment mid-line; a temporary file was left by a crash mid-write.
    await truncate(join(dir, String(oldest)), Buffer.byteLength(text) - 20);
    await writeFile(join(dir, '00000000000000000099.ndjson.tmp'), '{"auditID":"half');
    const second = await AuditSpool.open(stateDir);
    expect(await readdir(dir)).not.toContain('00000000000000000099.ndjson.tmp');
    expect(await drain(second)).toEqual([...range(0, 4), ...range(5, 10)].map((e) => e.auditID));
    expect(second.bytes).toBe(0);
  });

  it('wakes a waiting forwarder when a batch arrives', async () => {
    const spool = await AuditSpool.open(stateDir);
    const waited = spool.waitForEvents(30_000);
    await spool.append(range(0, 1));
    await expect(waited).resolves.toBeUndefined();
  });
});

describe('auditEventsOf', () => {
  it('takes the events of an EventList that carry an audit id and a stage, and refuses anything else', () => {
    expect(auditEventsOf({ kind: 'EventList', items: [event(1), { auditID: '' }, 'x', { stage: 'ResponseComplete' }] })).toEqual([
      event(1),
    ]);
    expect(auditEventsOf({ kind: 'Event', items: [] })).toBeNull();
    expect(auditEventsOf([event(1)])).toBeNull();
  });
});
