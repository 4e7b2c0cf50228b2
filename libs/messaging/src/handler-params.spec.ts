import { CallHandler, Controller, ExecutionContext, Injectable, Module, NestInterceptor } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE, NestFactory } from '@nestjs/core';
import { CustomTransportStrategy, MessagePattern, Payload, Server } from '@nestjs/microservices';
import { Type } from 'class-transformer';
import { IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { lastValueFrom, Observable, tap } from 'rxjs';
import { CreateNamespaceBody, CubeErrorBody, Envelope } from '@cube/contracts';
import { Actor, RequestId } from './handler-params';
import { RpcErrorFilter } from './rpc-error.filter';
import { messagePayloadPipe } from './validation';

class ScopeDto {
  @IsString()
  kind!: string;
}

class CreateThingDto {
  @Matches(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/)
  name!: string;

  @ValidateNested()
  @Type(() => ScopeDto)
  scope!: ScopeDto;
}

class OptionalDto {
  @IsOptional() @IsString() cursor?: string;
}

interface NotADto {
  name: string;
}

/** A transport that hands a message to the handler in-process: Nest's whole RPC path (pipes, interceptors, filters), no NATS. */
class InProcessTransport extends Server implements CustomTransportStrategy {
  listen(callback: () => void): void {
    callback();
  }
  close(): void {
    // nothing to close: no connection
  }
  on(): void {
    // no transport events
  }
  unwrap<T>(): T {
    return undefined as T;
  }
  async call(pattern: string, data: unknown): Promise<unknown> {
    const handler = this.getHandlerByPattern(pattern);
    if (!handler) throw new Error(`no handler for ${pattern}`);
    return lastValueFrom(this.transformToObservable(await handler(data)) as Observable<unknown>);
  }
}

const seenByInterceptor: unknown[] = [];

@Injectable()
class EnvelopeRecorder implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const envelope = context.switchToRpc().getData<unknown>();
    return next.handle().pipe(tap({ error: () => seenByInterceptor.push(envelope) }));
  }
}

@Controller()
class ThingsHandler {
  @MessagePattern('thing.create')
  create(@Payload('payload') body: CreateThingDto, @Actor() actor: Actor, @RequestId() requestId: string): unknown {
    return { isDto: body instanceof CreateThingDto, body, actor, requestId };
  }

  @MessagePattern('thing.list')
  list(@Payload('payload') query: OptionalDto): unknown {
    return { isDto: query instanceof OptionalDto, query };
  }

  @MessagePattern('namespace.create')
  namespace(@Payload('payload') body: CreateNamespaceBody): unknown {
    return body;
  }

  @MessagePattern('untyped')
  untyped(@Payload('payload') body: NotADto): unknown {
    return body;
  }
}

@Module({
  controllers: [ThingsHandler],
  providers: [
    { provide: APP_PIPE, useFactory: messagePayloadPipe },
    { provide: APP_FILTER, useClass: RpcErrorFilter },
    { provide: APP_INTERCEPTOR, useClass: EnvelopeRecorder },
  ],
})
class ThingsModule {}

describe('message handlers: @Payload(payload) dto, @Actor(), @RequestId()', () => {
  const transport = new InProcessTransport();
  const actor: Actor = { kind: 'user', name: 'alice', groups: ['dev'] };
  const envelope = (payload: unknown, overrides: Partial<Envelope> = {}): Envelope => ({
    actor,
    requestId: 'req-1',
    payload,
    ...overrides,
  });
  const refusal = (pattern: string, data: unknown): Promise<CubeErrorBody> =>
    transport.call(pattern, data).then(
      (reply) => {
        throw new Error(`expected a refusal, got ${JSON.stringify(reply)}`);
      },
      (error: unknown) => error as CubeErrorBody,
    );
  let close: () => Promise<void>;

  beforeAll(async () => {
    const app = await NestFactory.createMicroservice(ThingsModule, { strategy: transport, logger: false });
    await app.listen();
    close = () => app.close();
  });
  afterAll(() => close());

  it('hands the handler a DTO instance, the actor and the request id', async () => {
    await expect(transport.call('thing.create', envelope({ name: 'ok', scope: { kind: 'x' } }))).resolves.toEqual({
      isDto: true,
      body: { name: 'ok', scope: { kind: 'x' } },
      actor,
      requestId: 'req-1',
    });
  });

  it('treats an absent payload as {}', async () => {
    await expect(transport.call('thing.list', envelope(undefined))).resolves.toEqual({ isDto: true, query: {} });
    const body = await refusal('thing.create', envelope(undefined));
    expect(body.code).toBe('BAD_REQUEST');
    // class-validator passes an absent nested value unless the DTO says @IsDefined/@IsObject, as validatePayload did.
    expect((body.details['fields'] as { field: string }[]).map((f) => f.field)).toEqual(['name']);
  });

  it('lists every bad field, nested ones by path, as 400 BAD_REQUEST', async () => {
    const body = await refusal('thing.create', envelope({ name: 'Not_A_Label', scope: { kind: 3 } }));
    expect(body.code).toBe('BAD_REQUEST');
    expect(body.message).toBe('invalid request: name, scope.kind');
    expect((body.details['fields'] as { field: string }[]).map((f) => f.field).sort()).toEqual(['name', 'scope.kind']);
  });

  it('refuses fields the DTO does not declare', async () => {
    const body = await refusal('thing.create', envelope({ name: 'ok', scope: { kind: 'x' }, admin: true }));
    expect(body.details['fields']).toEqual([{ field: 'admin', problems: ['property admin should not exist'] }]);
  });

  it('answers 422 UNPROCESSABLE when only naming or quota rules are broken', async () => {
    const body = await refusal('namespace.create', envelope({ name: 'Bad_Name', cluster: 'c1', quota: { hard: { cpu: '1' } } }));
    expect(body.code).toBe('UNPROCESSABLE');
    expect((body.details['fields'] as { field: string }[]).map((f) => f.field).sort()).toEqual(['name', 'quota.hard']);
    const mixed = await refusal('namespace.create', envelope({ name: 'Bad_Name', cluster: 'c1', admin: true }));
    expect(mixed.code).toBe('BAD_REQUEST');
  });

  it('refuses NUL characters in the payload before the DTO, and in the actor and request id', async () => {
    await expect(refusal('thing.create', envelope({ name: 'ok', scope: { kind: 'a\u0000' } }))).resolves.toEqual({
      code: 'BAD_REQUEST',
      message: 'invalid request: scope.kind',
      details: { fields: [{ field: 'scope.kind', problems: ['scope.kind must not contain a NUL character'] }] },
    });
    const keys = await refusal('thing.list', envelope({ 'k\u0000': 'v' }));
    expect(keys.details['fields']).toEqual([{ field: 'k\u0000', problems: ['k\u0000 must not contain a NUL character'] }]);
    const inActor = await refusal(
      'thing.create',
      envelope({ name: 'ok', scope: { kind: 'x' } }, { actor: { kind: 'system', name: 'a\u0000' } }),
    );
    expect(inActor).toMatchObject({ code: 'BAD_REQUEST', details: { fields: [{ field: 'actor.name' }] } });
    const inRequestId = await refusal('thing.create', envelope({ name: 'ok', scope: { kind: 'x' } }, { requestId: 'r\u0000' }));
    expect(inRequestId).toMatchObject({ code: 'BAD_REQUEST', details: { fields: [{ field: 'requestId' }] } });
    await expect(transport.call('thing.list', envelope({ cursor: 'é ☃ \u0001' }))).resolves.toEqual({
      isDto: true,
      query: { cursor: 'é ☃ \u0001' },
    });
  });

  it('refuses a message that is not an envelope', async () => {
    const body = await refusal('thing.create', { name: 'ok', scope: { kind: 'x' } });
    expect(body.code).toBe('BAD_REQUEST');
  });

  it('runs inside the interceptors, which still read the whole envelope from the context', async () => {
    seenByInterceptor.length = 0;
    const sent = envelope({ name: 'Bad_Name', scope: { kind: 'x' } });
    await refusal('thing.create', sent);
    expect(seenByInterceptor).toEqual([sent]);
  });

  it('fails loudly when the payload argument is typed with an interface, not a DTO class', async () => {
    await expect(refusal('untyped', envelope({ name: 'x' }))).resolves.toMatchObject({ code: 'INTERNAL' });
  });
});
