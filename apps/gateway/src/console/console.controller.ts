import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  AuthenticatedPrincipal,
  ConsoleSessionQuery,
  ConsoleSessionView,
  ConsoleSubjects,
  CreateConsoleSessionBody,
  CubeError,
  OpenedConsoleSession,
  Page,
} from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { Public } from '../authn/public.decorator';
import { ApiErrors } from '../docs/api-errors';
import { ApiPageResponse } from '../docs/api-page-response';
import { envelopeFor, requestIdOf } from '../envelope/envelope.factory';
import { ConsoleAccess } from './console-access';
import { CONSOLE_PREFIX, STREAM_PROTOCOL } from './console-stream';

@ApiTags('console')
@ApiErrors(503)
@Controller(CONSOLE_PREFIX.slice(1, -1))
export class ConsoleController {
  constructor(
    private readonly bus: ServiceRequester,
    private readonly access: ConsoleAccess,
  ) {}

  @Post()
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Open a terminal on a pod (WebConsole)',
    description:
      'The member cluster is asked, as the caller, whether they may `create pods/exec` there. The answer carries a single-use ticket (30 s) for the WebSocket stream.',
  })
  @ApiCreatedResponse({ type: OpenedConsoleSession })
  @ApiErrors(400, 401, 403, 404, 422, 429)
  async create(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Body() body: CreateConsoleSessionBody,
  ): Promise<OpenedConsoleSession> {
    const target = await this.access.check(principal, body, requestIdOf(req));
    const opened = await this.bus.request(ConsoleSubjects.open, envelopeFor(req, actorOf(principal), target));
    return { ...opened, streamUrl: `${CONSOLE_PREFIX}${opened.id}/stream?ticket=${encodeURIComponent(opened.ticket)}` };
  }

  @Get()
  @ApiBearerAuth()
  @ApiPageResponse(
    ConsoleSessionView,
    "Terminal sessions the caller may see (their own; a tenant admin: their tenants'; a platform admin: all), newest first.",
  )
  @ApiErrors(400, 401)
  list(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Query() query: ConsoleSessionQuery,
  ): Promise<Page<ConsoleSessionView>> {
    return this.bus.request(ConsoleSubjects.list, envelopeFor(req, actorOf(principal), { ...query }));
  }

  @Get(':id/recording')
  @ApiParam({
    name: 'id',
    schema: { type: 'string', format: 'uuid' },
    description: 'the session id; anything else is 404 (no such session)',
  })
  @ApiBearerAuth()
  @ApiProduces('application/x-asciicast')
  @ApiOkResponse({
    description: 'The session as an asciicast v2 file: a header line, then one `[seconds, "o"|"i"|"r", data]` line per event.',
    schema: { type: 'string' },
  })
  @ApiErrors(400, 401, 404)
  async recording(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new CubeError('NOT_FOUND', 'no such console session') })) id: string,
  ): Promise<void> {
    // Page by page: a long session never sits whole in the gateway's memory.
    let page = await this.bus.request(ConsoleSubjects.recording, envelopeFor(req, actorOf(principal), { id, fromSeq: 0 }));
    res.status(200).type('application/x-asciicast');
    res.write(page.header ?? '');
    for (;;) {
      if (page.lines && !res.write(page.lines)) await new Promise((resolve) => res.once('drain', resolve));
      if (page.nextSeq === null || res.destroyed) break;
      page = await this.bus.request(ConsoleSubjects.recording, envelopeFor(req, actorOf(principal), { id, fromSeq: page.nextSeq }));
    }
    res.end();
  }

  /** The stream is a WebSocket upgrade (ConsoleStream); a plain GET only learns how to open it. */
  @Get(':id/stream')
  @ApiParam({
    name: 'id',
    schema: { type: 'string', format: 'uuid' },
    description: 'the session id; anything else is 404 (no such session)',
  })
  @Public()
  @HttpCode(426)
  @ApiOperation({
    summary: 'Terminal stream (WebSocket)',
    description: [
      `Open with a WebSocket upgrade and \`?ticket=\` (single use, 30 s, from the session's creation); subprotocol \`${STREAM_PROTOCOL}\` optional.`,
      "A refused ticket (used, expired, another session's) is 401 at the upgrade.",
      'Client → server: binary frames are keystrokes (stdin); text frames are JSON control frames `{"type":"resize","cols":120,"rows":40}`.',
      'Server → client: binary frames are terminal output (stdout and stderr merged, as a TTY has them); text frames are JSON:',
      '`{"type":"exit","code":0}` when the command ends, `{"type":"error","message":"…"}` when the session cannot go on; then the server closes.',
      'Close codes: 1000 ended, 1007 malformed control frame, 4001 idle timeout, 4002 maximum duration, 1011 member cluster failure.',
      'Closing the WebSocket ends the command in the pod.',
    ].join('\n\n'),
  })
  @ApiQuery({ name: 'ticket', required: true, description: 'the ticket from POST /api/v1/console/sessions' })
  @ApiResponse({ status: 101, description: 'Switching Protocols: the terminal stream' })
  @ApiResponse({ status: 426, description: 'a plain request: the stream needs a WebSocket upgrade', schema: { type: 'object' } })
  @ApiErrors(401)
  stream(): { code: string; message: string; details: Record<string, never> } {
    return { code: 'BAD_REQUEST', message: 'this is a WebSocket endpoint: connect with an Upgrade: websocket request', details: {} };
  }
}
