import { Body, Controller, Get, Headers, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsArray, IsObject, IsOptional, IsString } from 'class-validator';
import type { Request, Response } from 'express';
import {
  AuditEntry,
  AuditEntryView,
  AuditExportQuery,
  AuditQuery,
  AuditSubjects,
  AuditTrail,
  AuditTrailView,
  AuditVerifyQuery,
  AuditVerifyReply,
  AuditVerifyView,
  AuthenticatedPrincipal,
  CubeError,
  K8sAuditAcceptedView,
  Page,
} from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { Public } from '../authn/public.decorator';
import { ApiErrors } from '../docs/api-errors';
import { ApiPageResponse } from '../docs/api-page-response';
import { envelopeFor } from '../envelope/envelope.factory';
import { csvHeader, csvRow } from './audit-export';
import { NameParam, RecordIdParam } from '../params/path-params';
import { webhookTokenOf } from '@cube/auth';

/** `audit.k8s.io/v1` EventList as a member kube-apiserver's audit webhook posts it. */
class K8sEventList {
  @IsString() @Equals('EventList') kind!: string;
  @IsString() apiVersion!: string;
  @IsOptional() @IsObject() metadata?: Record<string, unknown>;
  @IsArray() @Type(() => Object) items!: Record<string, unknown>[];
}

/** Largest NATS request the gateway sends the audit service from one webhook post (NATS' default max payload is 1 MB). */
const MAX_CHUNK_BYTES = 512 * 1024;

@ApiTags('audit')
@ApiErrors(503)
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly bus: ServiceRequester) {}

  @Get('events')
  @ApiBearerAuth()
  @ApiPageResponse(AuditEntryView, "Audit records newest first: all for platform admins, else the caller's own actions.")
  @ApiErrors(400, 401)
  list(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @Query() query: AuditQuery): Promise<Page<AuditEntry>> {
    return this.bus.request(AuditSubjects.eventList, envelopeFor(req, actorOf(principal), query));
  }

  /** Streams page after page as it arrives: the whole result is never held in memory. */
  @Get('events/export')
  @ApiBearerAuth()
  @ApiProduces('text/csv', 'application/x-ndjson')
  @ApiOkResponse({
    description: 'The filtered records, streamed as CSV or NDJSON (one AuditEntry per line).',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiErrors(400, 401)
  async export(
    @Req() req: Request,
    @Res() res: Response,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Query() query: AuditExportQuery,
  ): Promise<void> {
    const { format = 'ndjson', cursor: _cursor, limit: _limit, ...filters } = query;
    const page = (cursor: string | null) =>
      this.bus.request(
        AuditSubjects.eventList,
        envelopeFor(req, actorOf(principal), { ...filters, limit: 500, ...(cursor ? { cursor } : {}) }),
      );
    // The first page is fetched before any byte is sent, so a refused request still gets its error status.
    let current = await page(null);
    res.status(200);
    res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    res.setHeader('Content-Disposition', `attachment; filename="audit.${format === 'csv' ? 'csv' : 'ndjson'}"`);
    if (format === 'csv') res.write(csvHeader());
    let closed = false;
    req.on('close', () => (closed = true));
    try {
      for (;;) {
        const chunk = current.items.map((entry) => (format === 'csv' ? csvRow(entry) : `${JSON.stringify(entry)}\n`)).join('');
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
        if (!current.nextCursor || closed) break;
        current = await page(current.nextCursor);
      }
      res.end();
    } catch (error: unknown) {
      // Headers are gone: cut the stream so the client sees an incomplete download, not a short one.
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  }

  @Get('events/:id')
  @ApiBearerAuth()
  @ApiOkResponse({
    type: AuditTrailView,
    description:
      "The record and the same request on the other side of Cube's proxy: for a proxied request's platform record, the member's own " +
      'audit events that carried its request id (user extra `cube-request-id`); for such a member event, the platform record. ' +
      'Only records the caller may see, as in the list; a record they may not see is 404.',
  })
  @ApiErrors(400, 401, 404)
  get(@Req() req: Request, @CurrentPrincipal() principal: AuthenticatedPrincipal, @RecordIdParam('id') id: string): Promise<AuditTrail> {
    return this.bus.request(AuditSubjects.eventGet, envelopeFor(req, actorOf(principal), { id }));
  }

  @Get('verify')
  @ApiBearerAuth()
  @ApiOkResponse({ type: AuditVerifyView, description: 'The hash chains of the days from..to (platform admins).' })
  @ApiErrors(400, 401, 403)
  verify(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Query() query: AuditVerifyQuery,
  ): Promise<AuditVerifyReply> {
    return this.bus.request(AuditSubjects.verify, envelopeFor(req, actorOf(principal), query), 120_000);
  }

  /** A member kube-apiserver's audit webhook; the per-cluster token, not a user, authenticates it. */
  @Post('clusters/:cluster/k8s')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: K8sAuditAcceptedView, description: 'Events put on the audit stream.' })
  @ApiErrors(400, 401, 413)
  async ingest(
    @Req() req: Request,
    @NameParam('cluster') cluster: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: K8sEventList,
  ): Promise<{ accepted: number }> {
    const token = webhookTokenOf(authorization);
    if (!token) throw new CubeError('UNAUTHENTICATED', 'the cluster audit token is missing');
    const actor = { kind: 'system' as const, name: `cluster:${cluster}` };
    let accepted = 0;
    for (const events of chunksOf(body.items)) {
      accepted += (await this.bus.request(AuditSubjects.k8sIngest, envelopeFor(req, actor, { cluster, token, events }))).accepted;
    }
    return { accepted };
  }
}

/** Splits events into requests below the NATS payload limit; an empty list is one (empty) request, so the token is still checked. */
function* chunksOf(items: unknown[]): Generator<unknown[]> {
  if (items.length === 0) yield [];
  let chunk: unknown[] = [];
  let size = 0;
  for (const item of items) {
    const bytes = Buffer.byteLength(JSON.stringify(item));
    if (chunk.length > 0 && size + bytes > MAX_CHUNK_BYTES) {
      yield chunk;
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += bytes;
  }
  if (chunk.length > 0) yield chunk;
}
