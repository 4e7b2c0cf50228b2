import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CubeEvent } from '@cube/contracts';
import { EventOutbox, SqlExecutor } from './event-outbox';
import { DomainEventInput, EventPublisher } from './event-publisher';

/** What a service's outbox needs of its database (TypeORM's DataSource fits, with `Tx` = EntityManager). */
export interface TransactionalDatabase<Tx extends SqlExecutor> extends SqlExecutor {
  transaction<T>(isolationLevel: 'READ COMMITTED', work: (tx: Tx) => Promise<T>): Promise<T>;
}

/** The outbox table of a service's schema: `"<schema>"."event_outbox"`, as its migration creates it. */
export function eventOutboxTable(schema: string): string {
  return `"${schema}"."event_outbox"`;
}

/**
 * A service's domain events go through this outbox: written in the transaction of the change they
 * describe, relayed to CUBE_EVENTS from boot until shutdown, so an event is neither lost while NATS
 * is down nor sent for a change that was rolled back. A service subclasses it once, as its provider.
 */
export abstract class ServiceEventOutbox<Tx extends SqlExecutor>
  extends EventOutbox
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  /** Transactions that stored an event (an attempt that was retried is simply never looked up). */
  private readonly stored = new WeakSet<object>();

  protected constructor(
    private readonly database: TransactionalDatabase<Tx>,
    publisher: EventPublisher,
    schema: string,
  ) {
    const logger = new Logger(`${schema}-outbox`);
    super(database, publisher, {
      table: eventOutboxTable(schema),
      // The error names the subject and stream, never the event's data.
      onError: (error) =>
        logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'events wait in the outbox; retrying'),
    });
  }

  /**
   * Runs `work` in one READ COMMITTED transaction (or through `run`, a service's own transaction
   * helper, e.g. one that retries serialization failures); events it `add`s leave once it committed.
   */
  async transaction<T>(
    work: (tx: Tx) => Promise<T>,
    run: (work: (tx: Tx) => Promise<T>) => Promise<T> = (w) => this.database.transaction('READ COMMITTED', w),
  ): Promise<T> {
    let committed: Tx | undefined;
    const result = await run((tx) => {
      committed = tx;
      return work(tx);
    });
    // Only a transaction that stored an event wakes the relay (a heartbeat without a status change does not).
    if (committed && this.stored.has(committed)) this.wake();
    return result;
  }

  override add<TData>(tx: Tx, input: DomainEventInput<TData>): Promise<CubeEvent<TData>> {
    this.stored.add(tx);
    return super.add(tx, input);
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }
}
