import type { Request } from 'express';
import { Actor, Envelope } from '@cube/contracts';

/** The request id pino-http assigned (or took from `X-Request-Id`); it travels in every envelope. */
export function requestIdOf(req: Request): string {
  return String((req as Request & { id?: unknown }).id ?? '');
}

/** Builds the `{ actor, requestId, payload }` envelope for a request forwarded over NATS. */
export function envelopeFor<T>(req: Request, actor: Actor, payload: T): Envelope<T> {
  return { actor, requestId: requestIdOf(req), payload };
}
