import { Logger } from '@nestjs/common';
import { JetStreamClient } from 'nats';
import { CubeStreamsOptions, resolveCubeStreams } from '@cube/messaging';
import { AuditSpool } from './audit-spool';

export interface AuditForwarderOptions {
  cluster: string;
  streams?: CubeStreamsOptions;
  /** Events published at once, each awaiting its PubAck (default 128). */
  window?: number;
  ackTimeoutMs?: number;
  /** Pause after a failed publish, doubling up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Drains Warden's audit spool to JetStream, oldest first: each event on `cube.audit.native.<cluster>`
 * with `Nats-Msg-Id` = its record id, a window of publishes awaiting their PubAcks, then the spool's
 * cursor moves on. While NATS does not acknowledge (an outage) it retries the same window with
 * backoff and the spool keeps taking batches; after it, it drains in order. A window published again
 * after a failure is dropped by JetStream's duplicate window, or by the audit store (idempotent per
 * record id) after a longer outage.
 */
export class AuditForwarder {
  private readonly logger = new Logger(AuditForwarder.name);
  private readonly subject: string;
  private readonly stream: string;
  private readonly window: number;
  private readonly ackTimeoutMs: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private running: Promise<void> | null = null;
  private stopping = false;
  private outage = false;
  /** Events JetStream acknowledged since start. */
  forwarded = 0;

  constructor(
    private readonly spool: AuditSpool,
    private readonly js: JetStreamClient,
    options: AuditForwarderOptions,
  ) {
    const streams = resolveCubeStreams(options.streams);
    this.subject = `${streams.nativeAuditSubjectPrefix}.${options.cluster}`;
    this.stream = streams.nativeAuditStream;
    this.window = Math.max(1, options.window ?? 128);
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    let backoff = this.retryDelayMs;
    while (!this.stopping) {
      const batch = await this.spool.next(this.window).catch((error: unknown) => {
        this.logger.error({ err: error }, 'audit spool: cannot read the oldest segment');
        return undefined;
      });
      if (batch === undefined) {
        await pause(this.maxRetryDelayMs);
        continue;
      }
      if (batch === null) {
        await this.spool.waitForEvents(500);
        continue;
      }
      try {
        // Sent in order on one connection, so the stream holds them in the spool's order.
        await Promise.all(
          batch.events.map((event) =>
            this.js.publish(this.subject, Buffer.from(event.json), {
              msgID: event.id,
              expect: { streamName: this.stream },
              timeout: this.ackTimeoutMs,
            }),
          ),
        );
      } catch (error: unknown) {
        if (!this.outage) {
          this.logger.warn(
            { err: error instanceof Error ? error.message : String(error), spooledBytes: this.spool.bytes },
            'audit spool: JetStream does not acknowledge; keeping native audit events on disk until it does',
          );
        }
        this.outage = true;
        await pause(backoff);
        backoff = Math.min(backoff * 2, this.maxRetryDelayMs);
        continue;
      }
      try {
        await this.spool.commit(batch);
      } catch (error: unknown) {
        // Forwarded but the cursor did not move: the window is sent again and dropped as a duplicate.
        this.logger.error({ err: error }, 'audit spool: cannot record forwarded events');
        await pause(backoff);
        continue;
      }
      this.forwarded += batch.events.length;
      backoff = this.retryDelayMs;
      if (this.outage) {
        this.outage = false;
        this.logger.log({ spooledBytes: this.spool.bytes }, 'audit spool: JetStream acknowledges again; draining in order');
      }
    }
  }
}
