import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { readableWhere, subjectOf } from '@cube/auth';
import {
  AbandonedConsoleSession,
  Actor,
  ConsoleRecordingPage,
  ConsoleSessionQuery,
  ConsoleSessionView,
  ConsoleTicket,
  CubeError,
  EndConsoleSession,
  OpenConsoleSession,
  Page,
  RecordingChunk,
  RedeemedConsoleSession,
} from '@cube/contracts';
import { AuditPublisher } from '@cube/messaging';
import { DEFAULT_PAGE_SIZE } from '@cube/persistence';
import { PlatformAbilities, SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { ConsoleEnvironment } from '../console-environment';
import { ConsoleSessionEntity } from './console-session.entity';
import { BY_START, ConsoleSessionsRepository, SESSION_RULE_COLUMNS } from './console-sessions.repository';

/**
 * Stored chunks stay small: a NATS message is at most 1 MiB, and a reply carrying a chunk escapes it
 * once more (its lines are JSON inside JSON), so a chunk's lines stay at 128 Ki characters at most.
 */
export const MAX_CHUNK_CHARS = 128 * 1024;
/** How much of a recording one `recording` reply carries (besides a first chunk that is larger); the gateway asks again from `nextSeq`. */
const RECORDING_PAGE_CHARS = 128 * 1024;

/** What `cube.console.session.open` answers (`BusContract`). */
export type OpenedSession = ConsoleTicket;
/** What `cube.console.session.recording` answers (`BusContract`). */
export type RecordingPage = ConsoleRecordingPage;

export function ticketHashOf(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex');
}

/**
 * Terminal sessions: the per-user limit, single-use stream tickets (only their SHA-256 is stored),
 * durable recordings, and audit records when a stream starts and ends. Whether the caller may exec
 * into the pod was asked of the member by the gateway before `open` (see ConsoleAccess there).
 */
@Injectable()
export class ConsoleSessionsService {
  private readonly logger = new Logger(ConsoleSessionsService.name);

  constructor(
    private readonly sessions: ConsoleSessionsRepository,
    private readonly abilities: PlatformAbilities,
    private readonly audit: AuditPublisher,
    @Inject(SERVICE_ENVIRONMENT) private readonly env: ConsoleEnvironment,
  ) {}

  async open(actor: Actor, request: OpenConsoleSession): Promise<OpenedSession> {
    const { kind = 'console', tokenId, ...target } = request;
    if (actor.kind !== 'user') throw new CubeError('FORBIDDEN', 'terminal sessions are opened for users');
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.env.CUBE_CONSOLE_TICKET_TTL * 1000);
    const id = randomUUID();
    await this.sessions.withUserLock(actor.name, async (manager) => {
      const activeSince = new Date(Date.now() - this.env.CUBE_CONSOLE_MAX_DURATION * 1000);
      const open = await this.sessions.countOpen(manager, actor.name, activeSince);
      const limit = this.env.CUBE_CONSOLE_MAX_SESSIONS_PER_USER;
      if (open >= limit) {
        throw new CubeError('RATE_LIMITED', `at most ${limit} terminal sessions may be open at once; close one first`, { limit, open });
      }
      const session = Object.assign(new ConsoleSessionEntity(), {
        id,
        kind,
        user: actor.name,
        groups: actor.groups,
        ...target,
        state: 'pending',
        ticketHash: ticketHashOf(ticket),
        ticketExpiresAt: expiresAt,
        recordInput: this.env.CUBE_CONSOLE_RECORD_INPUT,
        tokenId: tokenId ?? null,
        startedAt: null,
        endedAt: null,
        exitCode: null,
        endReason: null,
        cols: 80,
        rows: 24,
      } satisfies Omit<ConsoleSessionEntity, 'createdAt'>);
      await this.sessions.insert(manager, session);
    });
    return { id, ticket, expiresAt: expiresAt.toISOString() };
  }

  /** Gateway only. Reused, expired and foreign tickets are all the same 401: nothing tells them apart. */
  async redeem(actor: Actor, id: string, ticket: string, requestId: string): Promise<RedeemedConsoleSession> {
    assertGateway(actor);
    const session = await this.sessions.redeem(id, ticketHashOf(ticket));
    if (!session) throw new CubeError('UNAUTHENTICATED', 'the ticket is not valid for this session (used, expired or unknown)');
    await this.record(session, requestId, 'console.session.start', 'success');
    const elapsed = session.startedAt ? (Date.now() - new Date(session.startedAt).getTime()) / 1000 : 0;
    return {
      id: session.id,
      kind: session.kind,
      tokenId: session.tokenId,
      user: session.user,
      groups: session.groups,
      cluster: session.cluster,
      namespace: session.namespace,
      pod: session.pod,
      container: session.container,
      commands: session.commands,
      recordInput: session.recordInput,
      idleTimeoutSeconds: this.env.CUBE_CONSOLE_IDLE_TIMEOUT,
      remainingSeconds: Math.max(1, Math.floor(this.env.CUBE_CONSOLE_MAX_DURATION - elapsed)),
    };
  }

  async append(actor: Actor, chunk: RecordingChunk): Promise<void> {
    assertGateway(actor);
    const lines = chunk.events.map((event) => `${JSON.stringify(event)}\n`).join('');
    if (lines.length > MAX_CHUNK_CHARS)
      throw new CubeError('PAYLOAD_TOO_LARGE', `a recording chunk may hold at most ${MAX_CHUNK_CHARS} characters`);
    const session = await this.sessions.find(chunk.id);
    if (!session || session.state === 'pending') throw new CubeError('NOT_FOUND', 'no such started session');
    await this.sessions.appendChunk(chunk.id, chunk.seq, lines);
  }

  async end(actor: Actor, ending: EndConsoleSession, requestId: string): Promise<void> {
    assertGateway(actor);
    const ended = await this.sessions.end(ending.id, {
      exitCode: ending.exitCode ?? null,
      endReason: ending.reason,
      cols: ending.cols ?? 80,
      rows: ending.rows ?? 24,
    });
    if (!ended) return;
    const session = await this.sessions.find(ending.id);
    if (session) await this.record(session, requestId, 'console.session.end', ending.exitCode === 0 ? 'success' : 'failure', ending.reason);
  }

  /** Gateway only: sessions nobody will end, now ended (the gateway removes CloudShells among them). */
  async reap(actor: Actor, requestId: string): Promise<AbandonedConsoleSession[]> {
    assertGateway(actor);
    const sessions = await this.sessions.claimAbandoned(this.env.CUBE_CONSOLE_MAX_DURATION, 100);
    for (const session of sessions.filter((s) => s.startedAt)) {
      await this.record(session, requestId, 'console.session.end', 'failure', session.endReason ?? undefined);
    }
    return sessions.map((s) => ({
      id: s.id,
      kind: s.kind,
      user: s.user,
      groups: s.groups,
      cluster: s.cluster,
      pod: s.pod,
      tokenId: s.tokenId,
    }));
  }

  async list(actor: Actor, query: ConsoleSessionQuery): Promise<Page<ConsoleSessionView>> {
    const ability = await this.abilities.abilityOf(actor);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = BY_START.decode(query.cursor);
    const rows = await this.sessions.list(query, readableWhere(ability, 'ConsoleSession', SESSION_RULE_COLUMNS), after, limit);
    return BY_START.page(
      rows,
      limit,
      (r) => r.key,
      (r) => viewOf(r.row),
    );
  }

  /** The cast page by page; only sessions the actor may read (others are 404, not 403: their existence is not told). */
  async recording(actor: Actor, id: string, fromSeq: number): Promise<RecordingPage> {
    const session = await this.sessions.find(id);
    const ability = await this.abilities.abilityOf(actor);
    if (!session || !ability.can('read', sessionSubject(session))) throw new CubeError('NOT_FOUND', `no console session ${id}`);
    const page = await this.sessions.chunksFrom(id, fromSeq, RECORDING_PAGE_CHARS);
    if (fromSeq > 0) return page;
    const header = {
      version: 2,
      width: session.cols,
      height: session.rows,
      timestamp: Math.floor((session.startedAt ?? session.createdAt).getTime() / 1000),
      title: `${session.user}@${session.cluster}/${session.namespace}/${session.pod}/${session.container}`,
      env: { TERM: 'xterm-256color' },
    };
    return { header: `${JSON.stringify(header)}\n`, ...page };
  }

  private async record(
    session: ConsoleSessionEntity,
    requestId: string,
    action: string,
    outcome: 'success' | 'failure',
    reason?: string,
  ): Promise<void> {
    const durationMs =
      session.startedAt && session.endedAt ? new Date(session.endedAt).getTime() - new Date(session.startedAt).getTime() : undefined;
    try {
      await this.audit.record({
        source: 'platform',
        requestId,
        actor: { kind: 'user', name: session.user, groups: session.groups },
        action,
        target: {
          kind: 'ConsoleSession',
          name: session.id,
          sessionId: session.id,
          cluster: session.cluster,
          namespace: session.namespace,
          resource: 'pods/exec',
          pod: session.pod,
          container: session.container,
          ...(action.endsWith('.end') ? { exitCode: session.exitCode, durationMs } : {}),
        },
        outcome,
        ...(reason ? { reason } : {}),
        ...(durationMs !== undefined ? { latencyMs: durationMs } : {}),
      });
    } catch (error: unknown) {
      this.logger.error({ err: error, action, session: session.id }, 'could not store the audit record of a terminal session');
      throw new CubeError('UNAVAILABLE', 'the audit trail is unavailable; terminal sessions are refused until it is back');
    }
  }
}

function assertGateway(actor: Actor): void {
  if (actor.kind !== 'system' || actor.name !== 'gateway') throw new CubeError('FORBIDDEN', 'only the gateway streams terminal sessions');
}

function sessionSubject(session: ConsoleSessionEntity) {
  return subjectOf('ConsoleSession', {
    owner: session.user,
    tenant: session.tenant,
    project: session.project,
    cluster: session.cluster,
    namespace: session.namespace,
  });
}

export function viewOf(row: ConsoleSessionEntity): ConsoleSessionView {
  return {
    id: row.id,
    kind: row.kind,
    user: row.user,
    cluster: row.cluster,
    namespace: row.namespace,
    pod: row.pod,
    container: row.container,
    tenant: row.tenant,
    project: row.project,
    state: row.state,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt ? new Date(row.startedAt).toISOString() : null,
    endedAt: row.endedAt ? new Date(row.endedAt).toISOString() : null,
    exitCode: row.exitCode,
    endReason: row.endReason,
  };
}
