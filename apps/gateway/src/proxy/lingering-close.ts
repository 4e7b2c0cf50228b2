import type { IncomingMessage, ServerResponse } from 'node:http';

/** How long and how much of a refused request's body is read and discarded before the connection closes. */
export interface Lingering {
  /** The whole linger, from the answer on (nginx `lingering_time`). */
  timeMs: number;
  /** Longest pause between two chunks of the body (nginx `lingering_timeout`). */
  idleMs: number;
  /** Most body bytes discarded. */
  bytes: number;
}

/** nginx's defaults for time and pause; the byte budget is ten times kube-apiserver's body limit. */
export const LINGERING: Lingering = { timeMs: 30_000, idleMs: 5_000, bytes: 30 * 1024 * 1024 };

/**
 * Answers `body` in full with `Connection: close` while the request's body may still be arriving,
 * and ends the response (so Node closes the socket) only once that body has been read and discarded,
 * or a bound of `limits` is reached: nginx's lingering close. Closing a socket with unread data in it
 * makes the kernel send a reset, and a client still writing then gets EPIPE/ECONNRESET and often never
 * reads the answer. The discarded bytes go nowhere; any pipe from `req` must be undone by the caller.
 */
export function answerLingering(
  req: IncomingMessage,
  res: ServerResponse,
  code: number,
  headers: Record<string, string | number>,
  body: string,
  limits: Lingering = LINGERING,
): void {
  if (!bodyPending(req)) {
    res.writeHead(code, headers).end(body);
    return;
  }
  res.shouldKeepAlive = false;
  res.writeHead(code, headers).write(body);
  let read = 0;
  const done = () => {
    clearTimeout(total);
    clearTimeout(idle);
    req.off('data', discard);
    req.off('end', done);
    req.off('close', done);
    res.off('close', done);
    if (!res.writableEnded && !res.destroyed) res.end();
  };
  const discard = (chunk: Buffer) => {
    read += chunk.length;
    if (read > limits.bytes) done();
    else idle.refresh();
  };
  const total = setTimeout(done, limits.timeMs);
  const idle = setTimeout(done, limits.idleMs);
  req.on('data', discard);
  req.once('end', done);
  req.once('close', done);
  res.once('close', done);
  req.resume();
}

/** The request has a body not yet read off the connection (none without Content-Length or Transfer-Encoding). */
function bodyPending(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0);
}
