import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Min } from 'class-validator';
import {
  AbandonedConsoleSession,
  ConsoleSessionQuery,
  ConsoleSessionView,
  ConsoleSubjects,
  EndConsoleSession,
  Envelope,
  OpenConsoleSession,
  Page,
  RecordingChunk,
  RedeemedConsoleSession,
  RedeemTicket,
} from '@cube/contracts';
import { validatePayload } from '@cube/messaging';
import { Audited } from '@cube/service-runtime';
import { ConsoleSessionsService, OpenedSession, RecordingPage } from './console-sessions.service';

class RecordingRequest {
  @IsUUID() id!: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) fromSeq?: number;
}

@Controller()
export class ConsoleSessionsHandler {
  constructor(private readonly sessions: ConsoleSessionsService) {}

  @MessagePattern(ConsoleSubjects.open)
  @Audited({
    action: 'console.session.create',
    target: (p) => ({
      kind: 'ConsoleSession',
      name: String(p['pod']),
      cluster: p['cluster'],
      namespace: p['namespace'],
      container: p['container'],
    }),
  })
  open(@Payload() envelope: Envelope): Promise<OpenedSession> {
    return this.sessions.open(envelope.actor, validatePayload(OpenConsoleSession, envelope.payload));
  }

  @MessagePattern(ConsoleSubjects.redeem)
  redeem(@Payload() envelope: Envelope): Promise<RedeemedConsoleSession> {
    const payload = validatePayload(RedeemTicket, envelope.payload);
    return this.sessions.redeem(envelope.actor, payload.id, payload.ticket, envelope.requestId);
  }

  @MessagePattern(ConsoleSubjects.record)
  async record(@Payload() envelope: Envelope): Promise<null> {
    await this.sessions.append(envelope.actor, validatePayload(RecordingChunk, envelope.payload));
    return null;
  }

  @MessagePattern(ConsoleSubjects.end)
  async end(@Payload() envelope: Envelope): Promise<null> {
    await this.sessions.end(envelope.actor, validatePayload(EndConsoleSession, envelope.payload), envelope.requestId);
    return null;
  }

  @MessagePattern(ConsoleSubjects.reap)
  reap(@Payload() envelope: Envelope): Promise<AbandonedConsoleSession[]> {
    return this.sessions.reap(envelope.actor, envelope.requestId);
  }

  @MessagePattern(ConsoleSubjects.list)
  list(@Payload() envelope: Envelope): Promise<Page<ConsoleSessionView>> {
    return this.sessions.list(envelope.actor, validatePayload(ConsoleSessionQuery, envelope.payload));
  }

  @MessagePattern(ConsoleSubjects.recording)
  recording(@Payload() envelope: Envelope): Promise<RecordingPage> {
    const payload = validatePayload(RecordingRequest, envelope.payload);
    return this.sessions.recording(envelope.actor, payload.id, payload.fromSeq ?? 0);
  }
}
