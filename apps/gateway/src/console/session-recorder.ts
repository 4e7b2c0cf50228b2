import { StringDecoder } from 'node:string_decoder';
import { performance } from 'node:perf_hooks';
import { CastEvent, ConsoleSubjects, RedeemedConsoleSession } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';

/**
 * A chunk is sent once this many characters (or CHUNK_EVENTS events) wait, or after FLUSH_MS. Small
 * enough that a chunk stays far below NATS's 1 MiB message even when JSON escapes every byte (6×).
 */
export const CHUNK_CHARS = 16 * 1024;
const CHUNK_EVENTS = 1024;
const EVENT_CHARS = 4096;
const FLUSH_MS = 500;
/** Beyond this much unsent recording (the console service is slow or away) the session is cut, never held in memory unbounded. */
export const MAX_PENDING_CHARS = 4 * 1024 * 1024;
const GATEWAY = { kind: 'system', name: 'gateway' } as const;

/**
 * The asciicast v2 recording of one terminal, sent to the console service in bounded chunks over
 * NATS request-reply (one chunk in flight, in order; the reply is the service's "stored"). Output
 * and resizes always, keystrokes when the session records input.
 */
export class SessionRecorder {
  private readonly started = performance.now();
  private readonly outputText = new StringDecoder('utf8');
  private readonly inputText = new StringDecoder('utf8');
  private events: CastEvent[] = [];
  private chars = 0;
  private seq = 0;
  private sending: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;
  /** The first size the browser set: the cast's header width and height. */
  firstSize: { cols: number; rows: number } | undefined;

  constructor(
    private readonly bus: ServiceRequester,
    private readonly session: RedeemedConsoleSession,
    private readonly requestId: string,
  ) {}

  output(data: Buffer): void {
    this.add('o', this.outputText.write(data));
  }

  input(data: Buffer): void {
    if (this.session.recordInput) this.add('i', this.inputText.write(data));
  }

  resize(cols: number, rows: number): void {
    this.firstSize ??= { cols, rows };
    this.add('r', `${cols}x${rows}`);
  }

  /** Sends what is left; rejects when any chunk could not be stored. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.flush();
    await this.sending;
    if (this.failure) throw this.failure;
  }

  /** Characters waiting to be stored: the bridge stops reading the member beyond MAX_PENDING_CHARS. */
  get pending(): number {
    return this.chars;
  }

  /** A chunk could not be stored: the session must not go on unrecorded. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Resolves once every chunk handed over so far was answered. */
  drained(): Promise<void> {
    this.flush();
    return this.sending;
  }

  private add(kind: CastEvent[1], text: string): void {
    if (!text) return;
    const at = Math.round(performance.now() - this.started) / 1000;
    // A large output frame is cut into events of EVENT_CHARS (never inside a surrogate pair): same time, same text.
    for (let start = 0; start < text.length; ) {
      let end = Math.min(start + EVENT_CHARS, text.length);
      if (end < text.length && /[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1;
      this.events.push([at, kind, text.slice(start, end)]);
      start = end;
    }
    this.chars += text.length;
    if (this.chars >= CHUNK_CHARS || this.events.length >= CHUNK_EVENTS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.events.length > 0) {
      // Cut into chunks of at most CHUNK_CHARS (a single large event is a chunk of its own).
      const chunk: CastEvent[] = [];
      let size = 0;
      while (
        this.events.length > 0 &&
        chunk.length < CHUNK_EVENTS &&
        (chunk.length === 0 || size + (this.events[0]?.[2].length ?? 0) <= CHUNK_CHARS)
      ) {
        const event = this.events.shift() as CastEvent;
        size += event[2].length;
        chunk.push(event);
      }
      const seq = this.seq++;
      this.sending = this.sending.then(async () => {
        if (this.failure) return;
        try {
          await this.bus.request(ConsoleSubjects.record, {
            actor: GATEWAY,
            requestId: this.requestId,
            payload: { id: this.session.id, seq, events: chunk },
          });
        } catch (error: unknown) {
          this.failure = error;
        } finally {
          this.chars -= size;
        }
      });
    }
  }
}
