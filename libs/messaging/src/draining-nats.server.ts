import { ServerNats } from '@nestjs/microservices';
import type { Msg, NatsConnection, Subscription } from 'nats';

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
    const handling = super.handleMessage(channel, natsMsg);
    this.inFlight.add(handling);
    const forget = () => this.inFlight.delete(handling);
    handling.then(forget, forget);
    return handling;
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
