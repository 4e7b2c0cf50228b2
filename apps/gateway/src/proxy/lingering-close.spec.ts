import { createServer, Server } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { answerLingering, Lingering } from './lingering-close';

const ANSWER = '{"kind":"Status","code":413}';

/** What the client saw: the answer's head and body as received, its errors, and how long until the connection closed. */
interface Seen {
  received: string;
  errors: string[];
  closedAfterMs: number;
  /** Body bytes the client had written when the connection closed. */
  sent: number;
}

// answerLingering's bounds, against a server that refuses every request at once, over real sockets.
describe('answerLingering', () => {
  let server: Server;
  let port: number;
  let limits: Lingering;
  /** Body bytes the server read (and discarded) per request. */
  let discarded: number[];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const index = discarded.push(0) - 1;
      req.on('data', (chunk: Buffer) => (discarded[index] = (discarded[index] ?? 0) + chunk.length));
      answerLingering(req, res, 413, { 'content-type': 'application/json', 'content-length': ANSWER.length }, ANSWER, limits);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  beforeEach(() => (discarded = []));

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /**
   * A POST declaring `declared` bytes; after the head, `pieces(write)` decides what is written and when.
   * Resolves when the connection has closed.
   */
  const post = (declared: number, pieces: (write: (data: Buffer) => boolean, socket: import('node:net').Socket) => void) =>
    new Promise<Seen>((resolve) => {
      const started = Date.now();
      const seen: Seen = { received: '', errors: [], closedAfterMs: 0, sent: 0 };
      const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      socket.on('data', (chunk: Buffer) => (seen.received += chunk.toString()));
      socket.on('error', (error: NodeJS.ErrnoException) => seen.errors.push(error.code ?? error.message));
      socket.once('close', () => resolve({ ...seen, closedAfterMs: Date.now() - started }));
      // The server closed its side: so does the client (its writes, if any, have gone or failed by then).
      socket.once('end', () => socket.end());
      socket.write(`POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: ${declared}\r\n\r\n`);
      pieces((data) => {
        seen.sent += data.length;
        return socket.write(data);
      }, socket);
    });

  it('answers in full with Connection: close and closes once the whole body has been read', async () => {
    limits = { timeMs: 10_000, idleMs: 5_000, bytes: 1024 * 1024 };
    const seen = await post(200 * 1024, (write, socket) => {
      for (let i = 0; i < 200; i++) write(Buffer.alloc(1024, 'x'));
      socket.end();
    });
    expect(seen.errors).toEqual([]);
    expect(seen.received).toMatch(/^HTTP\/1\.1 413 /);
    expect(seen.received.toLowerCase()).toContain('connection: close');
    expect(seen.received.endsWith(`\r\n\r\n${ANSWER}`)).toBe(true);
    expect(discarded).toEqual([200 * 1024]);
  });

  it('closes when the body pauses longer than the idle bound, with the answer sent', async () => {
    limits = { timeMs: 10_000, idleMs: 200, bytes: 1024 * 1024 };
    // Half of the declared body, then nothing: the connection stays open only for the idle bound.
    const seen = await post(2048, (write) => void write(Buffer.alloc(1024, 'x')));
    expect(seen.received.endsWith(ANSWER)).toBe(true);
    expect(seen.closedAfterMs).toBeLessThan(limits.timeMs);
    expect(discarded).toEqual([1024]);
  });

  it('closes after the time bound while the body keeps coming', async () => {
    limits = { timeMs: 300, idleMs: 5_000, bytes: 64 * 1024 * 1024 };
    let writer: NodeJS.Timeout | undefined;
    const seen = await post(64 * 1024 * 1024, (write, socket) => {
      writer = setInterval(() => (socket.destroyed ? clearInterval(writer) : write(Buffer.alloc(1024, 'x'))), 20);
      socket.once('close', () => clearInterval(writer));
    });
    expect(seen.received.endsWith(ANSWER)).toBe(true);
    expect(seen.closedAfterMs).toBeGreaterThanOrEqual(limits.timeMs);
    expect(seen.closedAfterMs).toBeLessThan(limits.idleMs);
    expect(seen.sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('closes once more than the byte budget has been discarded', async () => {
    limits = { timeMs: 10_000, idleMs: 5_000, bytes: 256 * 1024 };
    const declared = 64 * 1024 * 1024;
    const seen = await post(declared, (write, socket) => {
      const piece = Buffer.alloc(64 * 1024, 'x');
      let left = declared;
      const more = () => {
        while (left > 0 && !socket.destroyed) {
          left -= piece.length;
          if (!write(piece)) return void socket.once('drain', more);
        }
      };
      more();
    });
    expect(seen.received.endsWith(ANSWER)).toBe(true);
    expect(seen.sent).toBeLessThan(declared);
    expect(discarded[0]).toBeGreaterThan(limits.bytes);
    expect(discarded[0]).toBeLessThan(declared / 4);
  });

  it('answers a request whose body is already complete at once and keeps the connection', async () => {
    limits = { timeMs: 10_000, idleMs: 5_000, bytes: 1024 };
    const seen = await post(0, (_write, socket) =>
      socket.once('data', () => {
        // Kept alive: a second request on the same connection is answered too.
        socket.write('POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      }),
    );
    expect(seen.errors).toEqual([]);
    expect(seen.received.match(/HTTP\/1\.1 413 /g)).toHaveLength(2);
  });
});
