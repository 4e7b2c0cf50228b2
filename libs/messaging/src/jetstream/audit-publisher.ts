import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { JetStreamClient } from 'nats';
import { AuditRecord, auditSourceToken, CubeError } from '@cube/contracts';
import { CubeStreamsOptions, resolveCubeStreams } from './cube-streams';
import { publishDurably } from './durable-publish';

/** An audit record as the writing service knows it; `id`, `at` and `service` are filled in when absent. */
export type AuditRecordInput = Omit<AuditRecord, 'id' | 'at' | 'service'> & Partial<Pick<AuditRecord, 'id' | 'at' | 'service'>>;

export interface AuditOutboxOptions {
  /**
   * Records kept in memory while JetStream does not acknowledge. When full, `record()` fails with
   * UNAVAILABLE (the write it audits is refused): an audit record is never dropped silently.
   * 0 turns the outbox off, so every record must be stored before `record()` resolves.
   */
  maxRecords?: number;
  /** First pause between retries of the oldest waiting record; doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export interface AuditPublisherOptions {
  service: string;
  streams?: CubeStreamsOptions;
  ackTimeoutMs?: number;
  outbox?: AuditOutboxOptions;
  /**
   * Publishes awaiting their PubAck at once (default 256): records beyond wait for a slot, so a burst
   * streams to JetStream with a bounded number of acks outstanding instead of one request per record
   * all at once.
   */
  window?: number;
}

interface Waiting {
  subject: string;
  record: AuditRecord;
  /** `Date.now()` when it entered the outbox. */
  queuedAt: number;
}

/**
 * Publishes audit records to `CUBE_AUDIT` on `cube.audit.<source>` (`cube` or `kubernetes`) with a publish ack and
 * `Nats-Msg-Id` = record id, so the server drops a retried copy. A record JetStream does not
 * acknowledge (NATS restarting, stream leader moving) waits in a bounded in-memory outbox and is
 * retried in order with backoff; `record()` resolves once the record is stored or queued there.
 */
export class AuditPublisher {
  private readonly logger = new Logger(AuditPublisher.name);
  private readonly stream: string;
  private readonly subjectPrefix: string;
  private readonly ackTimeoutMs: number;
  private readonly maxWaiting: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly waiting: Waiting[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;
  private outage = false;
  private wake: (() => void) | null = null;
  private readonly window: number;
  private outstanding = 0;
  private readonly slotWaiters: (() => void)[] = [];

  constructor(
    private readonly js: JetStreamClient,
    private readonly options: AuditPublisherOptions,
  ) {
    const streams = resolveCubeStreams(options.streams);
    this.stream = streams.auditStream;
    this.subjectPrefix = streams.auditSubjectPrefix;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.maxWaiting = options.outbox?.maxRecords ?? 0;
    this.retryDelayMs = options.outbox?.retryDelayMs ?? 200;
    this.maxRetryDelayMs = options.outbox?.maxRetryDelayMs ?? 5000;
    this.window = Math.max(1, options.window ?? 256);
  }

  /** Records waiting in the outbox for a publish ack. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Seconds the oldest waiting record has waited; null when none waits. */
  get oldestWaitingSeconds(): number | null {
    const oldest = this.waiting[0];
    return oldest ? (Date.now() - oldest.queuedAt) / 1000 : null;
  }

  async record(input: AuditRecordInput): Promise<AuditRecord> {
    const record: AuditRecord = {
      ...input,
      id: input.id ?? randomUUID(),
      at: input.at ?? new Date().toISOString(),
      service: input.service ?? this.options.service,
    };
    const subject = `${this.subjectPrefix}.${auditSourceToken(record.source)}`;
    // While older records wait, JetStream is known not to answer: queue behind them without a timeout.
    if (this.waiting.length === 0) {
      try {
        await this.slot();
        try {
          await publishDurably(this.js, subject, record, record.id, this.stream, this.ackTimeoutMs);
        } finally {
          this.release();
        }
        return record;
      } catch (error: unknown) {
        if (this.maxWaiting === 0) throw error;
        // One line per outage, not one per record published concurrently into it.
        if (!this.outage)
          this.logger.warn({ err: error, id: record.id }, 'no publish ack for an audit record; keeping records in the outbox');
        this.outage = true;
      }
    }
    this.enqueue({ subject, record, queuedAt: Date.now() });
    return record;
  }

  /** Takes one of the `window` publish slots, waiting in call order when all are taken. */
  private slot(): Promise<void> {
    if (this.outstanding < this.window) {
      this.outstanding += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  /** Hands the slot to the oldest waiter, or frees it. */
  private release(): void {
    const next = this.slotWaiters.shift();
    if (next) next();
    else this.outstanding -= 1;
  }

  /** Resolves once every waiting record is stored, or fails after `timeoutMs`. */
  async flush(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.waiting.length > 0) {
      if (Date.now() > deadline) {
        throw new CubeError('UNAVAILABLE', `${this.waiting.length} audit record(s) still wait for JetStream`);
      }
      await this.draining;
    }
  }

  /** Stops retrying; records still waiting are reported (they are lost with the process). */
  close(): void {
    this.closed = true;
    this.wake?.();
    if (this.waiting.length > 0) {
      this.logger.error({ waiting: this.waiting.length }, 'closing with audit records not stored');
    }
  }

  private enqueue(item: Waiting): void {
    if (this.waiting.length >= this.maxWaiting) {
      throw new CubeError('UNAVAILABLE', 'the audit trail is unavailable and its outbox is full', {
        outbox: this.maxWaiting,
      });
    }
    this.waiting.push(item);
    this.draining ??= this.drain().finally(() => (this.draining = null));
  }

  /** Publishes the waiting records oldest first; a failure pauses (exponential backoff) and tries the same one again. */
  private async drain(): Promise<void> {
    let delay = this.retryDelayMs;
    while (this.waiting.length > 0 && !this.closed) {
      const head = this.waiting[0] as Waiting;
      try {
        await publishDurably(this.js, head.subject, head.record, head.record.id, this.stream, this.ackTimeoutMs);
        this.waiting.shift();
        delay = this.retryDelayMs;
      } catch {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = null;
        delay = Math.min(delay * 2, this.maxRetryDelayMs);
      }
    }
    if (this.waiting.length === 0 && this.closed === false) {
      this.outage = false;
      this.logger.log('audit outbox drained');
    }
  }
}
