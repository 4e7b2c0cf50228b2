/**
 * The browser side of a console stream (README "Web terminals"): binary frames are keystrokes out
 * and terminal output in; text frames are JSON control frames, `resize` out, `exit` and `error` in.
 * Kept apart from xterm.js so the protocol is tested without a browser.
 */

/** Close codes the gateway uses (apps/gateway/src/console/console-stream.ts), and the browser's own. */
export type EndReason = 'ended' | 'goingAway' | 'malformed' | 'memberFailed' | 'idle' | 'maxDuration' | 'connectionLost' | 'closed';

const REASONS: Record<number, EndReason> = {
  1000: 'ended',
  1001: 'goingAway',
  1006: 'connectionLost',
  1007: 'malformed',
  1011: 'memberFailed',
  4001: 'idle',
  4002: 'maxDuration',
};

export function endReasonOf(code: number): EndReason {
  return REASONS[code] ?? 'closed';
}

/** The stream's WebSocket address: `streamUrl` is a path on the gateway (an empty gateway URL is this page's origin). */
export function streamAddress(gatewayUrl: string, streamUrl: string, pageOrigin: string): string {
  const url = new URL(streamUrl, gatewayUrl || pageOrigin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export interface StreamEnd {
  code: number;
  reason: EndReason;
  exitCode?: number;
  message?: string;
}

export interface StreamHandlers {
  onOpen(): void;
  onOutput(bytes: Uint8Array): void;
  onEnd(end: StreamEnd): void;
}

const OPEN = 1;

export class TerminalStream {
  private readonly encoder = new TextEncoder();
  private exitCode: number | undefined;
  private message: string | undefined;
  private size: { cols: number; rows: number } | null = null;
  private ended = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly handlers: StreamHandlers,
  ) {
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      if (this.size) this.sendSize(this.size);
      handlers.onOpen();
    };
    socket.onmessage = ({ data }: MessageEvent) => this.receive(data);
    socket.onclose = ({ code }) => this.end(code);
  }

  /** Keystrokes (xterm's onData) as one binary frame. */
  type(keys: string): void {
    if (this.socket.readyState === OPEN) this.socket.send(this.encoder.encode(keys));
  }

  /** The terminal's size; sent now when open, else as soon as the stream opens. */
  resize(cols: number, rows: number): void {
    if (this.size?.cols === cols && this.size.rows === rows) return;
    this.size = { cols, rows };
    if (this.socket.readyState === OPEN) this.sendSize(this.size);
  }

  /** Closing ends the command in the pod. */
  close(): void {
    if (this.socket.readyState <= OPEN) this.socket.close(1000, 'closed by the user');
  }

  private sendSize(size: { cols: number; rows: number }): void {
    this.socket.send(JSON.stringify({ type: 'resize', ...size }));
  }

  private receive(data: unknown): void {
    // Tag check, not instanceof: an ArrayBuffer from another realm (a worker, a test) is one too.
    if (Object.prototype.toString.call(data) === '[object ArrayBuffer]') {
      this.handlers.onOutput(new Uint8Array(data as ArrayBuffer));
      return;
    }
    if (typeof data !== 'string') return;
    let frame: { type?: unknown; code?: unknown; message?: unknown };
    try {
      frame = JSON.parse(data) as typeof frame;
    } catch {
      return;
    }
    if (frame.type === 'exit' && typeof frame.code === 'number') this.exitCode = frame.code;
    if (frame.type === 'error' && typeof frame.message === 'string') this.message = frame.message;
  }

  private end(code: number): void {
    if (this.ended) return;
    this.ended = true;
    this.handlers.onEnd({ code, reason: endReasonOf(code), exitCode: this.exitCode, message: this.message });
  }
}
