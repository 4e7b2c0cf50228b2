import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServiceBusModule } from '@cube/messaging';
import { PlatformAbilities } from '@cube/service-runtime';
import { ConsoleSessionEntity } from './sessions/console-session.entity';
import { ConsoleSessionsHandler } from './sessions/console-sessions.handler';
import { ConsoleSessionsRepository } from './sessions/console-sessions.repository';
import { ConsoleSessionsService } from './sessions/console-sessions.service';
import { RecordingChunkEntity } from './sessions/recording-chunk.entity';

export const CONSOLE_ENTITIES = [ConsoleSessionEntity, RecordingChunkEntity];

/** WebConsole sessions: tickets, limits, recordings, audit of start and end. */
@Module({
  imports: [ServiceBusModule.forService('console'), TypeOrmModule.forFeature(CONSOLE_ENTITIES)],
  controllers: [ConsoleSessionsHandler],
  providers: [ConsoleSessionsRepository, ConsoleSessionsService, PlatformAbilities],
})
export class ConsoleModule {}
