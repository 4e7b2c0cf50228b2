import { NatsContext, ServerNats } from '@nestjs/microservices';
import type { Msg, NatsConnection, Subscription } from 'nats';
import { CubeError } from '@cube/contracts';
import type { CubeMetrics } from '@cube/observability';

/** How long shutdown waits for requests already being handled before it closes anyway. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

/**
 * Nest's NATS server closes its connection abruptly on shutdown, dropping the replies of requests
 * it is still handling. This one stops taking requests (the queue group's other members get
 * them), waits for the handlers it already started, then drains the connection so their replies leave.
 */
export class DrainingNatsServer extends ServerNats {
  private connection: NatsConnection | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  private shutdownGraceMs = DEFAULT_SHUTDOWN_GRACE_MS;
  /**
   * `serving`; `stopping` while it unsubscribes; `finishing` once it takes no more requests and
   * waits for those it started; `closed` when the connection is drained and gone.
   */
  phase: 'serving' | 'stopping' | 'finishing' | 'closed' = 'serving';

  private metrics: CubeMetrics | null = null;
  /** Per request being handled: the handler's pattern (the metrics' subject label) and when it arrived. */
  private readonly arrivals = new WeakMap<Msg, { channel: string; started: bigint }>();

  /** Counts every request answered (`cube_nats_requests_total`) and times it, by the handler's subject. */
  withMetrics(metrics: CubeMetrics): this {
    this.metrics = metrics;
    return this;
  }

  /** Overrides the grace period (`DEFAULT_SHUTDOWN_GRACE_MS`). */
  withShutdownGrace(ms: number): this {
    this.shutdownGraceMs = ms;
    return this;
  }

  override async createNatsClient(): Promise<NatsConnection> {
    const connection = (await super.createNatsClient()) as unknown as NatsConnection;
    this.connection = connection;
    void this.followConnection(connection);
    return connection as never;
  }

  private disconnected = false;

  /** Connected to a NATS server and taking requests: what a readiness probe asks. */
  get serving(): boolean {
    return this.phase === 'serving' && this.connection !== null && !this.connection.isClosed() && !this.disconnected;
  }

  private async followConnection(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') this.disconnected = true;
      if (status.type === 'reconnect') this.disconnected = false;
    }
  }

  override handleMessage(channel: string, natsMsg: Msg): Promise<unknown> {
    if (this.metrics) this.arrivals.set(natsMsg, { channel, started: process.hrtime.bigint() });
    const handling = super.handleMessage(channel, natsMsg);
    this.inFlight.add(handling);
    const forget = () => this.inFlight.delete(handling);
    handling.then(forget, forget);
    return handling;
  }

  /**
   * Nest publishes a reply as packets, the last one marked `isDisposed`; a failed handler's packet
   * carries `err` (the RPC filter's `{ code }`): the request is counted once, when either leaves.
   */
  override getPublisher(natsMsg: Msg, id: string, ctx: NatsContext): (response: unknown) => unknown {
    const publish = super.getPublisher(natsMsg, id, ctx);
    const arrival = this.arrivals.get(natsMsg);
    const metrics = this.metrics;
    if (!arrival || !metrics) return publish;
    let counted = false;
    return (response: unknown) => {
      const packet = (response ?? {}) as { err?: unknown; isDisposed?: boolean };
      if (!counted && (packet.isDisposed || packet.err !== undefined)) {
        counted = true;
        this.arrivals.delete(natsMsg);
        const errorCode = packet.err === undefined ? null : CubeError.isBody(packet.err) ? packet.err.code : 'INTERNAL';
        const seconds = Number(process.hrtime.bigint() - arrival.started) / 1e9;
        metrics.observeNatsRequest(
          arrival.channel,
          errorCode === null ? { outcome: 'ok' } : { outcome: 'error', reason: errorCode },
          seconds,
        );
      }
      return publish(response);
    };
  }

  /** Requests this instance has started and not yet answered. */
  get pendingRequests(): number {
    return this.inFlight.size;
  }

  override async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (connection && !connection.isClosed()) {
      this.phase = 'stopping';
      // ServerNats keeps its subscriptions private. Draining them first hands new requests to the
      // other members of the queue group, and still handles what reached this one before the server
      // took the unsubscription (a plain unsubscribe would drop those: the caller would time out).
      const { subscriptions } = this as unknown as {
        subscriptions: Subscription[];
      };
      await Promise.all(subscriptions.map((sub) => sub.drain().catch(() => undefined)));
      this.phase = 'finishing';
      await this.waitForInFlight();
      await connection.drain().catch(() => undefined);
    }
    await super.close();
    this.phase = 'closed';
  }

  private async waitForInFlight(): Promise<void> {
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.shutdownGraceMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.inFlight]), deadline]);
    clearTimeout(timer);
  }
}
