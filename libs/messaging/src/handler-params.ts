import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Actor as EnvelopeActor, CubeError, Envelope, isEnvelope } from '@cube/contracts';
import { refuseNul } from './validation';

function envelopeOf(context: ExecutionContext): Envelope {
  const data: unknown = context.switchToRpc().getData();
  if (!isEnvelope(data)) throw new CubeError('BAD_REQUEST', 'a request on the bus is an envelope { requestId, actor, payload }');
  return data;
}

/**
 * The caller of a message handler, from the envelope: `@Actor() actor: Actor`. NUL characters in it
 * are refused (400) as in a payload. Also the type, so one import serves both.
 */
export const Actor = createParamDecorator((_: unknown, context: ExecutionContext): EnvelopeActor => {
  const { actor } = envelopeOf(context);
  refuseNul(actor, 'actor');
  return actor;
});
export type Actor = EnvelopeActor;

/** The request id of the envelope, for handlers that pass it on (events, audit, calls to other services). */
export const RequestId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const { requestId } = envelopeOf(context);
  refuseNul(requestId, 'requestId');
  return requestId;
});
