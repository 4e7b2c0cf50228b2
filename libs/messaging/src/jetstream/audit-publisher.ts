import { randomUUID } from 'node:crypto';
import { JetStreamClient } from 'nats';
import { AuditRecord } from '@cube/contracts';
import { CubeStreamsOptions, resolveCubeStreams } from './cube-streams';
import { assertSubjectToken, publishDurably } from './durable-publish';

/** An audit record as the writing service knows it; `id`, `at` and `service` are filled in when absent. */
export type AuditRecordInput = Omit<AuditRecord, 'id' | 'at' | 'service'> &
  Partial<Pick<AuditRecord, 'id' | 'at' | 'service'>>;

export interface AuditPublisherOptions {
  service: string;
  streams?: CubeStreamsOptions;
  ackTimeoutMs?: number;
}

/**
 * Publishes audit records to `CUBE_AUDIT` on `cube.audit.records.<service>`. `record` resolves only
 * once the stream stored the record, so a write is never acknowledged to a user without its audit.
 */
export class AuditPublisher {
  private readonly stream: string;
  private readonly subjectPrefix: string;
  private readonly ackTimeoutMs: number;

  constructor(
    private readonly js: JetStreamClient,
    private readonly options: AuditPublisherOptions,
  ) {
    const streams = resolveCubeStreams(options.streams);
    this.stream = streams.auditStream;
    this.subjectPrefix = streams.auditSubjectPrefix;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5000;
  }

  async record(input: AuditRecordInput): Promise<AuditRecord> {
    const record: AuditRecord = {
      ...input,
      id: input.id ?? randomUUID(),
      at: input.at ?? new Date().toISOString(),
      service: input.service ?? this.options.service,
    };
    assertSubjectToken(record.service, 'service');
    await publishDurably(
      this.js,
      `${this.subjectPrefix}.${record.service}`,
      record,
      record.id,
      this.stream,
      this.ackTimeoutMs,
    );
    return record;
  }
}
