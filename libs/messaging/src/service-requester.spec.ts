import { ClientNats } from '@nestjs/microservices';
import { connect, NatsConnection } from 'nats';
import { BusSubject, CubeError } from '@cube/contracts';
import { ServiceRequester } from './service-requester';

const NATS_URL = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';

describe('ServiceRequester on the real NATS', () => {
  const client = new ClientNats({ servers: [NATS_URL] });
  const requester = new ServiceRequester(client, 250);
  // NATS answers "no responders" at once; a deadline far above it keeps a loaded machine from
  // turning that answer into a timeout.
  const patientRequester = new ServiceRequester(client, 30_000);

  let silent: NatsConnection;
  const envelope = { actor: { kind: 'system' as const, name: 'spec' }, requestId: 'r1', payload: {} };
  // Subjects no service serves, named `cube.<service>.…` as every subject is: the requester names the service from it.
  const uniqueSubject = (service: string, verb: string) => `cube.${service}.spec-${process.pid}-${Date.now()}.${verb}` as BusSubject;

  beforeAll(async () => {
    await client.connect();
    silent = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    await client.close();
    await silent.close();
  });

  it('turns a request nobody serves into UNAVAILABLE at once, naming the service', async () => {
    const subject = uniqueSubject('ghost', 'get');
    const error = await patientRequester.request(subject, envelope).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CubeError);
    expect((error as CubeError).toBody()).toEqual({
      code: 'UNAVAILABLE',
      message: `service "ghost" is not running: nobody serves ${subject}`,
      details: { service: 'ghost' },
    });
  });

  it('turns a subscriber that never answers into UNAVAILABLE after the deadline, not a hang', async () => {
    const subject = uniqueSubject('sloth', 'list');
    silent.subscribe(subject);
    await silent.flush();
    const error = await requester.request(subject, envelope).catch((e: unknown) => e);
    expect((error as CubeError).toBody()).toEqual({
      code: 'UNAVAILABLE',
      message: 'service "sloth" did not answer within 250 ms',
      details: { service: 'sloth' },
    });
  });
});
