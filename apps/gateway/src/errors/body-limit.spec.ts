import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayEnvironment } from '../config/gateway-environment';
import { createGateway } from '../create-gateway';

// The REST API's JSON body limit (Express's body parser, 100 KB by default), on the gateway as production builds it.
describe('a REST request body over the limit', () => {
  let app: INestApplication;
  let port: number;

  beforeAll(async () => {
    const env = Object.assign(new GatewayEnvironment(), {
      NATS_URL: process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222',
      LOG_LEVEL: 'silent',
    });
    app = await createGateway(env);
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });

  afterAll(async () => {
    await app?.close();
  });

  /** A POST of `size` bytes in one write; resolves when the connection is done, with the answer and every error. */
  const post = (path: string, size: number, chunked: boolean) =>
    new Promise<{ status: number; body: string; errors: string[] }>((resolve) => {
      const errors: string[] = [];
      let status = 0;
      let body = '';
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        headers: { 'Content-Type': 'application/json', ...(chunked ? {} : { 'Content-Length': String(size) }) },
      });
      req.once('response', (res) => {
        status = res.statusCode ?? 0;
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.once('end', () => resolve({ status, body, errors }));
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        errors.push(error.code ?? error.message);
        resolve({ status, body, errors });
      });
      req.end(Buffer.alloc(size, ' '));
    });

  it('is refused with 413 PAYLOAD_TOO_LARGE, read in full first: declared or chunked, the client meets no reset', async () => {
    for (const chunked of [false, true]) {
      for (let i = 0; i < 10; i++) {
        const answer = await post('/api/v1/auth/login', 3 * 1024 * 1024, chunked);
        expect({ chunked, status: answer.status, errors: answer.errors }).toEqual({ chunked, status: 413, errors: [] });
        expect(JSON.parse(answer.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      }
    }
  });
});
