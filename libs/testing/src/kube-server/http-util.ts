// Small HTTP helpers shared by the handlers.
import { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, Status } from './status';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBuffer(req)).toString('utf8');
}

export function readBodyBuffer(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

export function sendStatus(res: ServerResponse, status: Status): void {
  sendJson(res, status.code ?? 500, status);
}

export function sendError(res: ServerResponse, e: ApiError): void {
  sendStatus(res, e.status);
}

/** Go's encoding/json messages for the JSON syntax errors clients see in BadRequest bodies. */
export function goJsonError(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  if (/end of (JSON )?input|Unterminated/i.test(m)) return 'unexpected end of JSON input';
  const tok = /Unexpected token '?(.)'?/.exec(m) ?? /Unexpected (?:non-whitespace )?character.*?'?(.)'?/.exec(m);
  return `invalid character '${tok?.[1] ?? '?'}' looking for beginning of value`;
}
