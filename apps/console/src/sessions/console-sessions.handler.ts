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
  OpenConsoleSession,
  Page,
  RecordingChunk,
  RedeemedConsoleSession,
  RedeemTicket,
} from '@cube/contracts';
import { Actor, RequestId } from '@cube/messaging';
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
  open(@Payload('payload') body: OpenConsoleSession, @Actor() actor: Actor): Promise<OpenedSession> {
    return this.sessions.open(actor, body);
  }

  @MessagePattern(ConsoleSubjects.redeem)
  redeem(
    @Payload('payload') { id, ticket }: RedeemTicket,
    @Actor() actor: Actor,
    @RequestId() requestId: string,
  ): Promise<RedeemedConsoleSession> {
    return this.sessions.redeem(actor, id, ticket, requestId);
  }

  @MessagePattern(ConsoleSubjects.record)
  async record(@Payload('payload') chunk: RecordingChunk, @Actor() actor: Actor): Promise<null> {
    await this.sessions.append(actor, chunk);
    return null;
  }

  @MessagePattern(ConsoleSubjects.end)
  async end(@Payload('payload') body: EndConsoleSession, @Actor() actor: Actor, @RequestId() requestId: string): Promise<null> {
    await this.sessions.end(actor, body, requestId);
    return null;
  }

  @MessagePattern(ConsoleSubjects.reap)
  reap(@Actor() actor: Actor, @RequestId() requestId: string): Promise<AbandonedConsoleSession[]> {
    return this.sessions.reap(actor, requestId);
  }

  @MessagePattern(ConsoleSubjects.list)
  list(@Payload('payload') query: ConsoleSessionQuery, @Actor() actor: Actor): Promise<Page<ConsoleSessionView>> {
    return this.sessions.list(actor, query);
  }

  @MessagePattern(ConsoleSubjects.recording)
  recording(@Payload('payload') { id, fromSeq }: RecordingRequest, @Actor() actor: Actor): Promise<RecordingPage> {
    return this.sessions.recording(actor, id, fromSeq ?? 0);
  }
}
