import { ServerNats } from '@nestjs/microservices';
import type { NatsConnection } from 'nats';

/**
 * Nest's NATS server closes its connection abruptly on shutdown. Draining instead lets
 * in-flight requests finish and their replies leave before the connection goes.
 */
export class DrainingNatsServer extends ServerNats {
  private connection: NatsConnection | null = null;

  override async createNatsClient(): Promise<NatsConnection> {
    const connection = (await super.createNatsClient()) as unknown as NatsConnection;
    this.connection = connection;
    return connection as never;
  }

  override async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    if (connection && !connection.isClosed()) {
      await connection.drain().catch(() => undefined);
    }
    await super.close();
  }
}
