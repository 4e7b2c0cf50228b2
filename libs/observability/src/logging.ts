import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { CUBE_VERSION } from './version';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Paths pino must never print: credentials in headers and the usual secret-bearing fields.
 * A log line is read by more people than the secret's owner.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.kubeconfig',
  '*.secret',
  'payload.password',
  'payload.kubeconfig',
];

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** The caller's request id (`x-request-id`) when it is sane, otherwise a fresh one. */
export function acceptRequestId(req: IncomingMessage): string {
  const offered = req.headers[REQUEST_ID_HEADER];
  return typeof offered === 'string' && REQUEST_ID_PATTERN.test(offered) ? offered : randomUUID();
}

/** Takes the caller's request id when it is sane, otherwise makes one; echoes it on the response. */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const id = acceptRequestId(req);
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** nestjs-pino parameters shared by every Cube process: JSON lines, service name, version, redaction. */
export function cubeLoggerParams(service: string, level: string, ignorePaths: string[] = []): Params {
  return {
    pinoHttp: {
      level,
      base: { service, version: CUBE_VERSION },
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      genReqId: requestIdFor,
      customAttributeKeys: { reqId: 'requestId' },
      autoLogging: { ignore: (req) => ignorePaths.includes((req.url ?? '').split('?')[0] ?? '') },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
