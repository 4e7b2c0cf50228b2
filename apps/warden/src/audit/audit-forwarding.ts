import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { JETSTREAM_CONNECTION, JETSTREAM_OPTIONS, JetStreamModuleOptions } from '@cube/messaging';
import { CubeMetrics, registerWardenAuditSpool } from '@cube/observability';
import { MemberCluster } from '../agent/member-cluster';
import { MEMBER_CLUSTER } from '../agent/member-cluster.provider';
import { WARDEN_AUTONOMY } from '../autonomy/autonomy-sync';
import { WardenAutonomy } from '../autonomy/warden-autonomy';
import { AuditForwarder } from './audit-forwarder';

/** Starts draining the audit spool once the application has its NATS connection; its metrics on the health port. */
@Injectable()
export class AuditForwarding implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly forwarder: AuditForwarder;

  constructor(
    @Inject(WARDEN_AUTONOMY) autonomy: WardenAutonomy,
    @Inject(JETSTREAM_CONNECTION) nats: NatsConnection,
    @Inject(JETSTREAM_OPTIONS) options: JetStreamModuleOptions,
    @Inject(MEMBER_CLUSTER) cluster: MemberCluster,
    metrics: CubeMetrics,
  ) {
    const spool = autonomy.auditSpool;
    this.forwarder = new AuditForwarder(spool, nats.jetstream(), {
      cluster: cluster.settings.clusterId,
      ...(options.streams ? { streams: options.streams } : {}),
    });
    registerWardenAuditSpool(metrics, {
      spooledBytes: () => spool.bytes,
      rejectedEvents: () => spool.rejectedEvents,
      forwardedEvents: () => this.forwarder.forwarded,
    });
  }

  onApplicationBootstrap(): void {
    this.forwarder.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.forwarder.stop();
  }
}
