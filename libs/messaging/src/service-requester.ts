import { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { BusReply, BusRequest, BusSubject, CubeError, Envelope, serviceOfSubject } from '@cube/contracts';

/**
 * Request-reply to a service over core NATS. A request nobody serves never answers on core
 * NATS, so every request has a deadline and a missed deadline is UNAVAILABLE, never a hang.
 * The subject names the service and, through `BusContract` (`@cube/contracts`), the payload's
 * and the reply's types.
 */
export class ServiceRequester {
  constructor(
    private readonly client: Pick<ClientProxy, 'send'>,
    private readonly defaultTimeoutMs: number,
  ) {}

  async request<S extends BusSubject>(
    subject: S,
    envelope: Envelope<BusRequest<S>>,
    timeoutMs = this.defaultTimeoutMs,
  ): Promise<BusReply<S>> {
    try {
      return await firstValueFrom(this.client.send<BusReply<S>, Envelope<BusRequest<S>>>(subject, envelope).pipe(timeout(timeoutMs)));
    } catch (error: unknown) {
      throw toCubeError(error, serviceOfSubject(subject), subject, timeoutMs);
    }
  }
}

function toCubeError(error: unknown, service: string, subject: string, timeoutMs: number): CubeError {
  if (error instanceof CubeError) return error;
  if (CubeError.isBody(error)) return CubeError.fromBody(error);
  if (error instanceof TimeoutError) {
    return new CubeError('UNAVAILABLE', `service "${service}" did not answer within ${timeoutMs} ms`, { service });
  }
  const message = error instanceof Error ? error.message : String(error);
  // NATS tells at once when no subscriber exists (Nest words it "Empty response. There are no subscribers").
  if (/no subscribers|no responders/i.test(message)) {
    return new CubeError('UNAVAILABLE', `service "${service}" is not running: nobody serves ${subject}`, { service });
  }
  if (/CONNECTION_REFUSED|DISCONNECT|CLOSED|ECONNREFUSED/i.test(message)) {
    return new CubeError('UNAVAILABLE', 'the message bus is not reachable', { service });
  }
  return new CubeError('INTERNAL', `service "${service}" failed: ${message}`, { service });
}
