import { BeforeApplicationShutdown, Injectable, OnModuleInit } from '@nestjs/common';
import { NatsConnection, Subscription } from 'nats';
import { eventSubject } from '@cube/contracts';
import { ServiceBus } from '@cube/messaging';
import { CredentialVerifier } from './credential-verifier';

/**
 * Identity announces revoked API tokens and changed or deleted users on the bus; the gateway
 * forgets what it cached about credentials at once instead of waiting for the cache to expire.
 * The cache TTL remains the bound if an event is missed (core NATS is at most once), including while
 * the gateway's shared connection is still trying to reach NATS; it subscribes once it does.
 */
@Injectable()
export class RevocationListener implements OnModuleInit, BeforeApplicationShutdown {
  private readonly subscriptions: Subscription[] = [];
  private stopped = false;

  constructor(
    private readonly credentials: CredentialVerifier,
    private readonly bus: ServiceBus,
  ) {}

  onModuleInit(): void {
    this.bus.onConnection((connection) => this.listen(connection));
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
  }

  private async listen(connection: NatsConnection): Promise<void> {
    if (this.stopped) return;
    this.subscriptions.push(
      connection.subscribe(eventSubject('identity', 'token', 'revoked'), { callback: () => this.credentials.forgetApiTokens() }),
    );
    for (const event of ['updated', 'deleted']) {
      this.subscriptions.push(
        connection.subscribe(eventSubject('identity', 'user', event), { callback: () => this.credentials.forgetAll() }),
      );
    }
    // The server knows the subscriptions once it answered this round trip.
    await connection.flush();
  }
}
