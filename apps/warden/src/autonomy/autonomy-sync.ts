import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { JETSTREAM_CONNECTION, ServiceBus } from '@cube/messaging';
import { WardenAutonomy } from './warden-autonomy';

/** The Nest token of the WardenAutonomy started before the application. */
export const WARDEN_AUTONOMY = Symbol('WARDEN_AUTONOMY');

/** Feeds the autonomy cache from NATS once the application has its connection; stops it on shutdown. */
@Injectable()
export class AutonomySync implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(WARDEN_AUTONOMY) private readonly autonomy: WardenAutonomy,
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
    private readonly bus: ServiceBus,
  ) {}

  onApplicationBootstrap(): void {
    this.autonomy.attach(this.nats, this.bus);
  }

  async onModuleDestroy(): Promise<void> {
    await this.autonomy.stop();
  }
}
