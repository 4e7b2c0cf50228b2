import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { connect, JSONCodec, NatsConnection } from 'nats';
import { DrainingNatsServer } from './draining-nats.server';
import { until } from './jetstream/until.testing';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const subject = `cube.spec-drain-${process.pid}-${Date.now()}.thing.get`;

/** A gate the test opens: the handler is in flight until then. */
class Gate {
  entered!: () => void;
  readonly whenEntered = new Promise<void>((r) => (this.entered = r));
  open!: () => void;
  readonly opened = new Promise<void>((r) => (this.open = r));
}
let gate = new Gate();

@Controller()
class SlowController {
  @MessagePattern(subject)
  async get(payload: { n: number }): Promise<{ n: number }> {
    if (payload.n === 1) {
      gate.entered();
      await gate.opened;
    }
    return { n: payload.n + 1 };
  }
}

@Module({ controllers: [SlowController] })
class SlowModule {}

describe('DrainingNatsServer on the real NATS', () => {
  const codec = JSONCodec();
  let app: INestMicroservice;
  let server: DrainingNatsServer;
  let client: NatsConnection;

  beforeEach(async () => {
    gate = new Gate();
    server = new DrainingNatsServer({
      servers: [NATS_URL],
      queue: 'spec-drain',
    });
    app = await NestFactory.createMicroservice(SlowModule, {
      strategy: server,
      logger: false,
    });
    await app.listen();
    client = await connect({ servers: NATS_URL });
  });
  afterEach(async () => {
    await client.close();
  });

  const request = (n: number) => client.request(subject, codec.encode({ pattern: subject, data: { n }, id: `r${n}` }), { timeout: 5000 });

  it('answers a request that is in flight when shutdown starts, and loses none sent meanwhile', async () => {
    const inFlight = request(1);
    await gate.whenEntered;
    expect(server.pendingRequests).toBe(1);

    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    // A request sent while shutdown runs is answered (it reached this server before the
    // unsubscription did) or refused at once for want of a responder: never left to time out.
    const late: { response: unknown } | Error = await request(2).then(
      (msg) => codec.decode(msg.data) as { response: unknown },
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    if (late instanceof Error) expect(String(late)).toMatch(/503|no responders/i);
    else expect(late.response).toEqual({ n: 3 });

    // Now it takes no more requests and is waiting for the one it started: that one still gets its reply.
    await until('the server to be finishing', () => server.phase === 'finishing', 5000);
    // Round trips through NATS: time enough for a server that did not wait to have closed.
    for (let i = 0; i < 5; i++) await client.flush();
    expect(closed).toBe(false);
    gate.open();
    const reply = codec.decode((await inFlight).data) as {
      response: unknown;
      isDisposed: boolean;
    };
    expect(reply.response).toEqual({ n: 2 });
    await closing;
    expect(server.pendingRequests).toBe(0);
    expect(server.phase).toBe('closed');
  });

  it('closes at once when nothing is in flight', async () => {
    await app.close();
    expect(server.pendingRequests).toBe(0);
  });
});
