import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { DNS_LABEL } from './identity-dto';
import { IsDnsLabel, IsDnsSubdomain } from './tenancy-dto';
import { PageQuery } from './page-query';

/**
 * Request-reply subjects of the console service (payloads inside an Envelope). `open` comes from the
 * gateway with the user as actor, after the gateway asked the member whether that user may
 * `create pods/exec` there; the others only from the gateway as a system actor.
 */
export const ConsoleSubjects = {
  open: 'cube.console.session.open', // OpenConsoleSession → OpenedConsoleSession (user actor)
  list: 'cube.console.session.list', // ConsoleSessionQuery → Page<ConsoleSessionView>
  recording: 'cube.console.session.recording', // { id } → { cast } (asciicast v2 text)
  /** Gateway only: a ticket for its session → what the stream needs (single use). */
  redeem: 'cube.console.ticket.redeem', // { id, ticket } → RedeemedConsoleSession
  /** Gateway only: a bounded batch of asciicast events, in order (`seq` from 0). */
  record: 'cube.console.recording.append', // RecordingChunk → null
  /** Gateway only: the stream ended. */
  end: 'cube.console.session.end', // EndConsoleSession → null
  /**
   * Gateway only: ends sessions whose ticket expired unused or that outlived their maximum duration
   * (a gateway that stopped mid-stream), each claimed by one caller, so that CloudShell pods and tokens
   * never outlive them.
   */
  reap: 'cube.console.session.reap', // {} → AbandonedConsoleSession[]
} as const;

export interface AbandonedConsoleSession {
  id: string;
  kind: 'console' | 'cloudshell';
  user: string;
  groups: string[];
  cluster: string;
  pod: string;
  tokenId: string | null;
}

/** `POST /api/v1/console/sessions`. */
export class CreateConsoleSessionBody {
  @ApiProperty({ example: 'member-a', pattern: DNS_LABEL.source })
  @IsString()
  @IsDnsLabel()
  cluster!: string;

  @ApiProperty({ example: 'team-a', pattern: DNS_LABEL.source })
  @IsString()
  @IsDnsLabel()
  namespace!: string;

  @ApiProperty({ example: 'web-5d9c7', maxLength: 253 })
  @IsString()
  @IsDnsSubdomain()
  pod!: string;

  @ApiPropertyOptional({
    description: 'the container; may be left out when the pod has only one (or names its default)',
    pattern: DNS_LABEL.source,
  })
  @IsOptional()
  @IsDnsLabel()
  container?: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'the command to run with a TTY; default: `/bin/bash`, or `/bin/sh` where the image has no bash',
    example: ['/bin/sh'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(4096, { each: true })
  command?: string[];
}

/** `POST /api/v1/cloudshell/sessions`. */
export class CreateCloudShellBody {
  @ApiPropertyOptional({ description: 'the member cluster to run the shell in; default: the first the caller reaches' })
  @IsOptional()
  @IsDnsLabel()
  cluster?: string;
}

/** What the gateway established about the target before asking the console service to open a session. */
export class OpenConsoleSession {
  @IsString() @MaxLength(63) cluster!: string;
  @IsString() @MaxLength(63) namespace!: string;
  @IsString() @MaxLength(253) pod!: string;
  @IsString() @MaxLength(63) container!: string;
  /** Commands tried in order (the default falls back from bash to sh). */
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(4) @IsArray({ each: true }) commands!: string[][];
  /** `cube.io/tenant` and `cube.io/project` of the namespace; empty for a namespace outside Cube's tenancy. */
  @IsString() @MaxLength(63) tenant!: string;
  @IsString() @MaxLength(63) project!: string;
  /** A CloudShell runs in Cube's own pod: its exec is Cube's, not impersonated (the user holds no rights there). */
  @IsOptional() @IsIn(['console', 'cloudshell']) kind?: 'console' | 'cloudshell';
  /** The CloudShell's API token, revoked when the shell ends. */
  @IsOptional() @IsUUID() tokenId?: string;
}

export class OpenedConsoleSession {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'single use, valid 30 s, bound to this session and its user; pass it as `?ticket=` on the stream' })
  ticket!: string;
  @ApiProperty({
    description: 'the WebSocket path of the stream, ticket included',
    example: '/api/v1/console/sessions/4b0c…/stream?ticket=…',
  })
  streamUrl!: string;
  @ApiProperty({ format: 'date-time', description: 'when the ticket expires' }) expiresAt!: string;
}

export class RedeemTicket {
  @IsUUID() id!: string;
  @IsString() @MaxLength(256) ticket!: string;
}

/** What the gateway needs to run the stream, after a ticket was redeemed. */
export interface RedeemedConsoleSession {
  id: string;
  kind: 'console' | 'cloudshell';
  tokenId: string | null;
  user: string;
  groups: string[];
  cluster: string;
  namespace: string;
  pod: string;
  container: string;
  commands: string[][];
  /** Record keystrokes too (asciicast `i` events). */
  recordInput: boolean;
  idleTimeoutSeconds: number;
  /** Seconds left of the session's maximum duration. */
  remainingSeconds: number;
}

/** An asciicast v2 event: seconds since the start, `o` output / `i` input / `r` resize, the data. */
export type CastEvent = [number, 'o' | 'i' | 'r', string];

export class RecordingChunk {
  @IsUUID() id!: string;
  @IsInt() @Min(0) seq!: number;
  /** At most 64 KiB of event data per chunk (the gateway flushes before); checked again here. */
  @IsArray() @ArrayMaxSize(4096) events!: CastEvent[];
}

export class EndConsoleSession {
  @IsUUID() id!: string;
  @IsOptional() @IsInt() exitCode?: number;
  @IsString() @MaxLength(1024) reason!: string;
  @IsOptional() @IsNumber() @Min(1) @Max(10_000) cols?: number;
  @IsOptional() @IsNumber() @Min(1) @Max(10_000) rows?: number;
}

export const CONSOLE_SESSION_STATES = ['pending', 'active', 'ended'] as const;
export type ConsoleSessionState = (typeof CONSOLE_SESSION_STATES)[number];

export class ConsoleSessionView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['console', 'cloudshell'] }) kind!: 'console' | 'cloudshell';
  @ApiProperty() user!: string;
  @ApiProperty() cluster!: string;
  @ApiProperty() namespace!: string;
  @ApiProperty() pod!: string;
  @ApiProperty() container!: string;
  @ApiProperty({ description: 'empty outside Cube tenancy' }) tenant!: string;
  @ApiProperty({ description: 'empty outside Cube tenancy' }) project!: string;
  @ApiProperty({ enum: CONSOLE_SESSION_STATES }) state!: ConsoleSessionState;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true }) startedAt!: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true }) endedAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) exitCode!: number | null;
  @ApiPropertyOptional({
    nullable: true,
    description: 'why the session ended (exit, idle timeout, maximum duration, client closed, error)',
  })
  endReason!: string | null;
}

/** `GET /api/v1/console/sessions` filters (API.md), newest first. */
export class ConsoleSessionQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) user?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(63) cluster?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(63) namespace?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'created at or after' }) @IsOptional() @IsISO8601() from?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'created before' }) @IsOptional() @IsISO8601() to?: string;
}

export class ConsoleSessionRef {
  @IsUUID() id!: string;
}

export class ConsoleRecordingView {
  cast!: string;
}

/** Kinds of frames the browser protocol sends as JSON text (README "Web terminals"). */
export class ConsoleResizeFrame {
  @IsIn(['resize']) type!: 'resize';
  @Type(() => Number) @IsInt() @Min(1) @Max(10_000) cols!: number;
  @Type(() => Number) @IsInt() @Min(1) @Max(10_000) rows!: number;
}
