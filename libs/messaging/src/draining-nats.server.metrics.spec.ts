import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { NestFactory } from '@nestjs/core';
import { ClientNats, MessagePattern } from '@nestjs/microservices';
import { BusSubject, CubeError } from '@cube/contracts';
import { CubeMetrics } from '@cube/observability';
import { parsePrometheusText, sampleValue } from '@cube/observability/testing';
import { DrainingNatsServer } from './draining-nats.server';
import { PrivateNatsServer } from './jetstream/private-nats-server.testing';
import { RpcErrorFilter } from './rpc-error.filter';
import { ServiceRequester } from './service-requester';

const FOUND = 'cube.spec.thing.get';
const MISSING = 'cube.spec.thing.delete';
const CRASHING = 'cube.spec.thing.update';

@Controller()
class ThingsController {
  @MessagePattern(FOUND)
  get(): { name: string } {
    return { name: 'thing' };
  }

  @MessagePattern(MISSING)
  delete(): never {
    throw new CubeError('NOT_FOUND', 'no such thing');
  }

  @MessagePattern(CRASHING)
  update(): never {
    throw new TypeError('a bug');
  }
}

@Module({ controllers: [ThingsController], providers: [{ provide: APP_FILTER, useClass: RpcErrorFilter }] })
class ThingsModule {}

describe('DrainingNatsServer metrics', () => {
  let nats: PrivateNatsServer;
  let app: INestMicroservice;
  let client: ClientNats;
  let requester: ServiceRequester;
  let metrics: CubeMetrics;
  const envelope = { actor: { kind: 'system' as const, name: 'spec' }, requestId: 'r1', payload: {} };
  const scrape = async () => parsePrometheusText(await metrics.render());

  beforeAll(async () => {
    nats = await PrivateNatsServer.start();
    metrics = new CubeMetrics('spec');
    const server = new DrainingNatsServer({ servers: [nats.url], queue: 'spec' }).withMetrics(metrics);
    app = await NestFactory.createMicroservice(ThingsModule, { strategy: server, logger: false });
    await app.listen();
    client = new ClientNats({ servers: [nats.url] });
    await client.connect();
    requester = new ServiceRequester(client, 10_000);
  });
  afterAll(async () => {
    await client?.close();
    await app?.close();
    await nats?.remove();
  });

  it('counts one answered request under its subject as ok and times it', async () => {
    await requester.request(FOUND as BusSubject, envelope);
    const samples = await scrape();
    expect(sampleValue(samples, 'cube_nats_requests_total', { subject: FOUND, outcome: 'ok' })).toBe(1);
    expect(sampleValue(samples, 'cube_nats_request_duration_seconds_count', { subject: FOUND, outcome: 'ok' })).toBe(1);
    expect(sampleValue(samples, 'cube_nats_requests_total', { subject: FOUND, outcome: 'error' })).toBeUndefined();
  });

  it('counts an error reply as an error with its code as reason', async () => {
    await expect(requester.request(MISSING as BusSubject, envelope)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(requester.request(MISSING as BusSubject, envelope)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const samples = await scrape();
    expect(sampleValue(samples, 'cube_nats_requests_total', { subject: MISSING, outcome: 'error', reason: 'NOT_FOUND' })).toBe(2);
    expect(sampleValue(samples, 'cube_nats_request_duration_seconds_count', { subject: MISSING, outcome: 'error' })).toBe(2);
  });

  it('counts an unexpected exception as INTERNAL', async () => {
    await expect(requester.request(CRASHING as BusSubject, envelope)).rejects.toMatchObject({ code: 'INTERNAL' });
    const samples = await scrape();
    expect(sampleValue(samples, 'cube_nats_requests_total', { subject: CRASHING, outcome: 'error', reason: 'INTERNAL' })).toBe(1);
  });
});
