import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { JETSTREAM_CONNECTION } from '@cube/messaging';
import { WardenAutonomy } from './warden-autonomy';

/** The Nest token of the WardenAutonomy started before the application. */
export const WARDEN_AUTONOMY = Symbol('WARDEN_AUTONOMY');

/** Feeds the autonomy cache from NATS once the application has its connection; stops it on shutdown. */
@Injectable()
export class AutonomySync implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(WARDEN_AUTONOMY) private readonly autonomy: WardenAutonomy,
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
  ) {}

  onApplicationBootstrap(): void {
    this.autonomy.attach(this.nats);
  }

  async onModuleDestroy(): Promise<void> {
    await this.autonomy.stop();
  }
}
