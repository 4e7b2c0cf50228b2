import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { PinoLogger } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import { Observable } from 'rxjs';
import { isEnvelope } from '@cube/contracts';

const HEALTH_PING = /^cube\.[^.]+\.health\.ping$/;

/**
 * Carries the gateway's request id across the NATS hop: every log line written while a
 * message is handled carries the envelope's `requestId` and the subject.
 */
@Injectable()
export class RpcRequestContextInterceptor implements NestInterceptor {
  constructor(private readonly pino: PinoLogger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const data: unknown = context.switchToRpc().getData();
    const requestId = isEnvelope(data) ? data.requestId : randomUUID();
    const subject = context.switchToRpc().getContext<NatsContext>().getSubject();
    const logger = this.pino.logger.child({ requestId, subject });
    const started = process.hrtime.bigint();
    // The gateway pings every service for each /readyz: those replies are noise at info.
    const level = HEALTH_PING.test(subject) ? 'debug' : 'info';
    return new Observable((subscriber) =>
      storage.run(new Store(logger), () => {
        const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;
        const subscription = next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            logger[level]({ durationMs: elapsedMs(), outcome: 'error' }, 'rpc handled');
            subscriber.error(error);
          },
          complete: () => {
            logger[level]({ durationMs: elapsedMs(), outcome: 'ok' }, 'rpc handled');
            subscriber.complete();
          },
        });
        return () => subscription.unsubscribe();
      }),
    );
  }
}
