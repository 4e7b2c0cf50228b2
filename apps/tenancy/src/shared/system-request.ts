import { randomUUID } from 'node:crypto';
import { JSONCodec, NatsConnection } from 'nats';
import { Actor, CubeError, Envelope } from '@cube/contracts';

const codec = JSONCodec<unknown>();
const TENANCY: Actor = { kind: 'system', name: 'cube-tenancy' };

/**
 * A request to another service as the system, in Nest's NATS format ({ pattern, id, data } →
 * { err, response }) over tenancy's own connection, with a deadline. `what` completes "the <service>
 * service did not …" in the 503 raised when it does not answer; an error it answers is passed on.
 */
export async function requestAsSystem<TReply>(
  nats: NatsConnection,
  target: { service: string; subject: string; timeoutMs: number; what: string },
  payload: unknown,
): Promise<TReply> {
  const { service, subject, timeoutMs, what } = target;
  const id = randomUUID();
  const envelope: Envelope<unknown> = { actor: TENANCY, requestId: id, payload };
  let reply;
  try {
    reply = await nats.request(subject, codec.encode({ pattern: subject, id, data: envelope }), { timeout: timeoutMs });
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CubeError('UNAVAILABLE', `the ${service} service did not ${what}: ${message}`, { service });
  }
  const body = codec.decode(reply.data) as { err?: unknown; response?: TReply };
  if (body.err !== undefined && body.err !== null) {
    throw CubeError.isBody(body.err) ? CubeError.fromBody(body.err) : new CubeError('UNAVAILABLE', `the ${service} service failed to ${what}`, { service });
  }
  if (!body.response) throw new CubeError('UNAVAILABLE', `the ${service} service did not ${what}: empty answer`, { service });
  return body.response;
}
