import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { EventOutbox, EventPublisher } from '@cube/messaging';

export const IDENTITY_OUTBOX_TABLE = '"identity"."event_outbox"';

const logger = new Logger('IdentityOutbox');

/**
 * Identity's domain events go through this outbox: written in the transaction of the change they
 * describe, relayed to CUBE_EVENTS from boot on, so an event is neither lost while NATS is down nor
 * sent for a change that was rolled back.
 */
@Injectable()
export class IdentityOutbox extends EventOutbox implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    publisher: EventPublisher,
  ) {
    super(dataSource, publisher, {
      table: IDENTITY_OUTBOX_TABLE,
      // The error names the subject and stream, never the event's data.
      onError: (error) => logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'events wait in the outbox; retrying'),
    });
  }

  /** Runs `work` in one READ COMMITTED transaction; events it `add`s leave once it has committed. */
  async transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.dataSource.transaction('READ COMMITTED', work);
    this.wake();
    return result;
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }
}
