import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { AuditRecord, CubeError, Envelope, isEnvelope } from '@cube/contracts';
import { AuditPublisher } from '@cube/messaging';

export interface AuditSpec {
  /** What was attempted, e.g. `user.create`. */
  action: string;
  /** The object acted on, derived from the request payload. */
  target: (payload: Record<string, unknown>) => AuditRecord['target'];
}

const AUDITED = 'cube:audited';

/** Marks a message handler as a write: every call is recorded, succeeded or refused. */
export const Audited = (spec: AuditSpec) => SetMetadata(AUDITED, spec);

/**
 * Records an audit record for every call of an @Audited handler, on the CUBE_AUDIT stream, before
 * the reply leaves: a write is not acknowledged until its record is stored (JetStream PubAck).
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditPublisher,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditSpec | undefined>(AUDITED, context.getHandler());
    const envelope: unknown = context.switchToRpc().getData();
    if (!spec || !isEnvelope(envelope)) return next.handle();
    const record = (outcome: AuditRecord['outcome'], reason?: string) => this.record(spec, envelope, outcome, reason);
    return next.handle().pipe(
      mergeMap((reply) => from(record('success').then(() => reply))),
      catchError((error: unknown) => {
        const reason = error instanceof CubeError ? `${error.code}: ${error.message}` : 'internal error';
        return from(record('failure', reason).catch(() => undefined)).pipe(mergeMap(() => throwError(() => error)));
      }),
    );
  }

  private async record(spec: AuditSpec, envelope: Envelope, outcome: AuditRecord['outcome'], reason?: string): Promise<void> {
    const payload = (typeof envelope.payload === 'object' && envelope.payload !== null ? envelope.payload : {}) as Record<string, unknown>;
    let target: AuditRecord['target'];
    try {
      target = spec.target(payload);
    } catch {
      target = { kind: 'unknown', name: '' };
    }
    try {
      await this.audit.record({
        source: 'platform',
        requestId: envelope.requestId,
        actor: envelope.actor,
        action: spec.action,
        target,
        outcome,
        ...(reason ? { reason } : {}),
      });
    } catch (error: unknown) {
      this.logger.error({ err: error, action: spec.action }, 'could not store the audit record');
      throw new CubeError('UNAVAILABLE', 'the audit trail is unavailable; the change may have been applied', { action: spec.action });
    }
  }
}
