import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { connect, NatsConnection } from 'nats';
import { eventSubject } from '@cube/contracts';
import { GatewayEnvironment } from '../config/gateway-environment';
import { GATEWAY_ENVIRONMENT } from '../config/tokens';
import { CredentialVerifier } from './credential-verifier';

/**
 * Identity announces revoked API tokens and changed or deleted users on the bus; the gateway
 * forgets what it cached about credentials at once instead of waiting for the cache to expire.
 * The cache TTL remains the bound if an event is missed (core NATS is at most once).
 */
@Injectable()
export class RevocationListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RevocationListener.name);
  private connection: NatsConnection | undefined;

  constructor(
    private readonly credentials: CredentialVerifier,
    @Inject(GATEWAY_ENVIRONMENT) private readonly env: GatewayEnvironment,
  ) {}

  async onModuleInit(): Promise<void> {
    this.connection = await connect({
      servers: this.env.NATS_URL.split(',').map((url) => url.trim()),
      name: 'cube-gateway-revocations',
      maxReconnectAttempts: -1,
    }).catch((error: unknown) => {
      // Readiness reports NATS; the caches' TTL still bounds revocation without this listener.
      this.logger.warn({ err: error }, 'revocation events unavailable; relying on cache expiry');
      return undefined;
    });
    if (!this.connection) return;
    this.connection.subscribe(eventSubject('identity', 'token', 'revoked'), { callback: () => this.credentials.forgetApiTokens() });
    for (const event of ['updated', 'deleted']) {
      this.connection.subscribe(eventSubject('identity', 'user', event), { callback: () => this.credentials.forgetAll() });
    }
    // The server knows the subscriptions once it answered this round trip.
    await this.connection.flush();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection?.drain().catch(() => undefined);
  }
}
