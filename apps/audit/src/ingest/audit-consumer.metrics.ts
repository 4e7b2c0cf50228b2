import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DurableSubscribers, JETSTREAM_OPTIONS, JetStreamModuleOptions, resolveCubeStreams } from '@cube/messaging';
import { AUDIT_CONSUMER } from './audit-ingestor';

/** The ingestor reads CUBE_AUDIT with its own batch loop: its consumer's lag is reported with the subscribers'. */
@Injectable()
export class AuditConsumerMetrics implements OnApplicationBootstrap {
  constructor(
    private readonly subscribers: DurableSubscribers,
    @Inject(JETSTREAM_OPTIONS) private readonly options: JetStreamModuleOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.subscribers.reportLagOf(resolveCubeStreams(this.options.streams).auditStream, AUDIT_CONSUMER);
  }
}
