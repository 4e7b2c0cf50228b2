import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { connect, JSONCodec, NatsConnection } from 'nats';
import { DrainingNatsServer } from './draining-nats.server';

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
    gate.entered();
    await gate.opened;
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
    server = new DrainingNatsServer({ servers: [NATS_URL], queue: 'spec-drain' });
    app = await NestFactory.createMicroservice(SlowModule, { strategy: server, logger: false });
    await app.listen();
    client = await connect({ servers: NATS_URL });
  });
  afterEach(async () => {
    await client.close();
  });

  const request = (n: number) =>
    client.request(subject, codec.encode({ pattern: subject, data: { n }, id: `r${n}` }), { timeout: 5000 });

  it('answers a request that is in flight when shutdown starts, and takes no new ones', async () => {
    const inFlight = request(1);
    await gate.whenEntered;
    expect(server.pendingRequests).toBe(1);

    const closing = app.close();
    // Shutdown now waits for the handler; a request sent meanwhile finds no responder here.
    const late = await request(2).catch((e: unknown) => e);
    expect(String(late)).toMatch(/503|no responders/i);

    gate.open();
    const reply = codec.decode((await inFlight).data) as { response: unknown; isDisposed: boolean };
    expect(reply.response).toEqual({ n: 2 });
    await closing;
    expect(server.pendingRequests).toBe(0);
  });

  it('closes at once when nothing is in flight', async () => {
    await app.close();
    expect(server.pendingRequests).toBe(0);
  });
});
