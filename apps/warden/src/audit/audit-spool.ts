import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { nativeAuditEventId } from '@cube/contracts';

/** The spool's directory under Warden's `--state-dir`. */
export const AUDIT_SPOOL_DIR = 'audit-spool';
/** `--audit-spool-max-bytes` default: 256 MiB of events waiting for NATS. */
export const DEFAULT_AUDIT_SPOOL_MAX_BYTES = 256 * 1024 * 1024;

const SEGMENT = /^(\d{20})\.ndjson$/;
const CURSOR = 'cursor.json';

/** One event as spooled: its JSON text (forwarded as is) and the id JetStream deduplicates it by. */
export interface SpooledEvent {
  id: string;
  json: string;
}

/** Events read from the oldest segment, to be forwarded and then committed. */
export interface SpoolBatch {
  segment: number;
  /** Line of the first event in the segment. */
  from: number;
  events: SpooledEvent[];
  /** Whether the batch ends the segment (committing it deletes the file). */
  last: boolean;
}

/** The spool holds `maxBytes`: a batch that would go beyond is refused, never written partly. */
export class AuditSpoolFullError extends Error {
  constructor(
    readonly bytes: number,
    readonly spooled: number,
    readonly maxBytes: number,
  ) {
    super(`audit spool full: ${spooled} of ${maxBytes} bytes used, a batch of ${bytes} bytes refused`);
  }
}

interface Segment {
  seq: number;
  bytes: number;
}

const pad = (seq: number) => String(seq).padStart(20, '0');

/** The events of an `audit.k8s.io/v1` EventList worth keeping: objects with an audit id and a stage. */
export function auditEventsOf(body: unknown): unknown[] | null {
  if (typeof body !== 'object' || body === null) return null;
  const list = body as Record<string, unknown>;
  if (list['kind'] !== 'EventList' || !Array.isArray(list['items'])) return null;
  return list['items'].filter((item): item is Record<string, unknown> => {
    if (typeof item !== 'object' || item === null) return false;
    const event = item as Record<string, unknown>;
    return typeof event['auditID'] === 'string' && event['auditID'] !== '' && typeof event['stage'] === 'string';
  });
}

/**
 * Warden's disk spool of native audit events (issue #22): each batch the member kube-apiserver posts is
 * one segment file, written and fsync'd (then renamed into place and the directory fsync'd) before the
 * apiserver is answered, so an accepted event survives a Warden crash. The forwarder reads the oldest
 * segment from the cursor on, publishes, then commits: the cursor (fsync'd) moves on, or the segment
 * is deleted. Bounded by bytes; a batch that does not fit is refused whole. Segments are named by an
 * increasing sequence, in the order the batches arrived, and appends run one at a time so a segment
 * never becomes visible before an older one.
 */
export class AuditSpool {
  private readonly logger = new Logger(AuditSpool.name);
  private readonly segments: Segment[] = [];
  private spooledBytes = 0;
  private nextSeq = 1;
  private cursor: { segment: number; line: number } = { segment: 0, line: 0 };
  /** The oldest segment's events, read once. */
  private oldest: { seq: number; events: SpooledEvent[] } | null = null;
  private appending: Promise<unknown> = Promise.resolve();
  private waiters: (() => void)[] = [];
  /** Events refused because the spool was full (the metric counts them). */
  rejectedEvents = 0;
  /** Batches refused because the spool was full. */
  rejectedBatches = 0;
  /** Events spooled since start. */
  acceptedEvents = 0;

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /** Opens (or creates) the spool in `<stateDir>/audit-spool`, with what an earlier process left there. */
  static async open(stateDir: string, maxBytes = DEFAULT_AUDIT_SPOOL_MAX_BYTES): Promise<AuditSpool> {
    const spool = new AuditSpool(join(stateDir, AUDIT_SPOOL_DIR), maxBytes);
    await spool.load();
    return spool;
  }

  /** Bytes of events waiting to be forwarded (whole segments, including their forwarded part). */
  get bytes(): number {
    return this.spooledBytes;
  }

  /** Segment files waiting. */
  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * Writes the events as one segment and resolves once it is on disk; `AuditSpoolFullError` when the
   * spool cannot take them all. An empty list writes nothing.
   */
  append(events: unknown[]): Promise<void> {
    const run = this.appending.then(() => this.write(events));
    this.appending = run.catch(() => undefined);
    return run;
  }

  /**
   * Up to `max` events from the oldest segment, from the cursor on; null when nothing waits. A damaged
   * segment (cut short or overwritten by a crash of the disk, not of Warden: Warden renames only
   * whole files into place) yields the events before the damage, and the damage is logged.
   */
  async next(max: number): Promise<SpoolBatch | null> {
    const segment = this.segments[0];
    if (!segment) return null;
    if (this.oldest?.seq !== segment.seq) this.oldest = { seq: segment.seq, events: await this.read(segment) };
    const from = this.cursor.segment === segment.seq ? this.cursor.line : 0;
    const events = this.oldest.events.slice(from, from + max);
    return { segment: segment.seq, from, events, last: from + events.length >= this.oldest.events.length };
  }

  /** The batch was forwarded: move the cursor past it (fsync'd), or delete its segment when it was the last part. */
  async commit(batch: SpoolBatch): Promise<void> {
    const segment = this.segments[0];
    if (!segment || segment.seq !== batch.segment) return;
    if (batch.last) {
      await unlink(this.path(segment.seq)).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
      this.segments.shift();
      this.spooledBytes -= segment.bytes;
      this.oldest = null;
      this.cursor = { segment: segment.seq + 1, line: 0 };
      // The cursor names a segment no longer there: the next one starts at its first line anyway.
      return;
    }
    this.cursor = { segment: batch.segment, line: batch.from + batch.events.length };
    await this.writeDurably(join(this.dir, CURSOR), JSON.stringify(this.cursor));
  }

  /** Resolves when a segment is waiting (at once if one is), or after `timeoutMs`. */
  waitForEvents(timeoutMs: number): Promise<void> {
    if (this.segments.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve();
      }, timeoutMs);
      this.waiters.push(done);
    });
  }

  private path(seq: number): string {
    return join(this.dir, `${pad(seq)}.ndjson`);
  }

  private async load(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      // A batch being written when the process stopped was never acknowledged: the apiserver sends it again.
      if (name.endsWith('.tmp')) {
        await unlink(join(this.dir, name));
        continue;
      }
      const match = SEGMENT.exec(name);
      if (!match) continue;
      const seq = Number(match[1]);
      const { size } = await stat(join(this.dir, name));
      this.segments.push({ seq, bytes: size });
    }
    this.segments.sort((a, b) => a.seq - b.seq);
    this.spooledBytes = this.segments.reduce((sum, segment) => sum + segment.bytes, 0);
    this.nextSeq = (this.segments[this.segments.length - 1]?.seq ?? 0) + 1;
    try {
      const cursor = JSON.parse(await readFile(join(this.dir, CURSOR), 'utf8')) as { segment?: unknown; line?: unknown };
      if (Number.isSafeInteger(cursor.segment) && Number.isSafeInteger(cursor.line) && Number(cursor.line) >= 0) {
        this.cursor = { segment: Number(cursor.segment), line: Number(cursor.line) };
        this.nextSeq = Math.max(this.nextSeq, this.cursor.segment + 1);
      }
    } catch {
      // No cursor (or a damaged one): each waiting segment is forwarded from its start; JetStream and
      // the audit store drop what was forwarded already.
    }
    if (this.segments.length > 0) {
      this.logger.log({ segments: this.segments.length, bytes: this.spooledBytes }, 'audit spool: forwarding what an earlier run left');
    }
  }

  private async write(events: unknown[]): Promise<void> {
    if (events.length === 0) return;
    const text = events.map((event) => `${JSON.stringify(event)}\n`).join('');
    const bytes = Buffer.byteLength(text);
    if (this.spooledBytes + bytes > this.maxBytes) {
      this.rejectedEvents += events.length;
      this.rejectedBatches += 1;
      throw new AuditSpoolFullError(bytes, this.spooledBytes, this.maxBytes);
    }
    const seq = this.nextSeq++;
    await this.writeDurably(this.path(seq), text);
    this.segments.push({ seq, bytes });
    this.spooledBytes += bytes;
    this.acceptedEvents += events.length;
    this.waiters.splice(0).forEach((wake) => wake());
  }

  /** Write to a temporary file, fsync, rename into place, fsync the directory: all of it or nothing after a crash. */
  private async writeDurably(file: string, text: string): Promise<void> {
    const temporary = `${file}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  private async read(segment: Segment): Promise<SpooledEvent[]> {
    let text: string;
    try {
      text = await readFile(this.path(segment.seq), 'utf8');
    } catch (error: unknown) {
      this.logger.error({ err: error, segment: pad(segment.seq) }, 'audit spool: a segment cannot be read; skipping it');
      return [];
    }
    const events: SpooledEvent[] = [];
    let offset = 0;
    while (offset < text.length) {
      const end = text.indexOf('\n', offset);
      const line = end < 0 ? null : text.slice(offset, end);
      const event = line === null ? null : parseEvent(line);
      if (line === null || event === null) {
        this.logger.error(
          { segment: pad(segment.seq), line: events.length, skippedBytes: Buffer.byteLength(text.slice(offset)) },
          'audit spool: a segment is damaged; forwarding the events before the damage',
        );
        break;
      }
      events.push(event);
      offset = end + 1;
    }
    return events;
  }
}

function parseEvent(line: string): SpooledEvent | null {
  try {
    const event = JSON.parse(line) as { auditID?: unknown; stage?: unknown };
    if (typeof event?.auditID !== 'string' || typeof event.stage !== 'string') return null;
    return { id: nativeAuditEventId({ auditID: event.auditID, stage: event.stage }), json: line };
  } catch {
    return null;
  }
}
