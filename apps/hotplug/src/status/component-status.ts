import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JSONCodec, NatsConnection, Subscription } from 'nats';
import { ClusterHeartbeat, ClustersSubjects } from '@cube/contracts';
import { JETSTREAM_CONNECTION } from '@cube/messaging';
import { Catalog } from '../catalog/catalog';
import { ConfigurationRepository } from '../configuration/configuration.repository';
import { effectiveConfig } from '../configuration/effective-config';
import { HotplugEvents } from '../shared/hotplug-events';
import { ClusterComponentsRepository } from './cluster-components.repository';
import { componentPhase } from './component-phase';

const codec = JSONCodec<ClusterHeartbeat>();

/**
 * Turns each Warden heartbeat's per-component report into phases, stored and published
 * (`cube.events.hotplug.component.phase-changed`) when they change. Heartbeats are core NATS (a
 * lost one is replaced by the next); replicas share them through a queue group.
 */
@Injectable()
export class ComponentStatus implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ComponentStatus.name);
  private subscription: Subscription | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(JETSTREAM_CONNECTION) private readonly nats: NatsConnection,
    private readonly catalog: Catalog,
    private readonly configuration: ConfigurationRepository,
    private readonly states: ClusterComponentsRepository,
    private readonly events: HotplugEvents,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.nats.subscribe(ClustersSubjects.heartbeatWildcard, {
      queue: 'cube-hotplug-heartbeats',
      callback: (error, message) => {
        if (error) return;
        let heartbeat: ClusterHeartbeat;
        try {
          heartbeat = codec.decode(message.data);
        } catch {
          return; // not JSON: the clusters service logs malformed heartbeats
        }
        // One heartbeat at a time: two of one cluster must not race on its rows.
        this.queue = this.queue
          .then(() => this.record(heartbeat))
          .catch((failure: unknown) =>
            this.logger.warn({ err: failure instanceof Error ? failure.message : String(failure) }, 'could not record component status'),
          );
      },
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  async record(heartbeat: ClusterHeartbeat): Promise<void> {
    const cluster = heartbeat.clusterId;
    if (typeof cluster !== 'string' || !Array.isArray(heartbeat.components ?? [])) return;
    const reports = new Map((heartbeat.components ?? []).map((report) => [report.component, report]));
    const rows = await this.states.ofCluster(cluster);
    for (const row of rows) {
      const entry = await this.catalog.find(row.component);
      if (!entry) continue;
      const config = effectiveConfig(
        entry.definition,
        await this.configuration.defaults(row.component),
        await this.configuration.override(cluster, row.component),
      );
      await this.events.transaction(async (tx) => {
        const current = await this.states.lock(tx, cluster, row.component);
        if (!current) return;
        const verdict = componentPhase({
          enabled: config.enabled,
          generation: current.generation,
          runningGeneration: current.runningGeneration,
          report: reports.get(row.component),
        });
        if (
          verdict.phase === current.phase &&
          verdict.message === current.message &&
          verdict.observedGeneration === current.observedGeneration
        )
          return;
        await this.states.save(tx, {
          ...current,
          phase: verdict.phase,
          message: verdict.message.slice(0, 4096),
          observedGeneration: verdict.observedGeneration,
          runningGeneration: verdict.phase === 'running' ? current.generation : current.runningGeneration,
        });
        if (verdict.phase !== current.phase) {
          await this.events.phaseChanged(tx, {
            cluster,
            component: row.component,
            from: current.phase,
            to: verdict.phase,
            message: verdict.message,
            observedGeneration: verdict.observedGeneration,
            generation: current.generation,
          });
        }
      });
    }
  }
}
