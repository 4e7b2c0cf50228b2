import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { CONTROL_PLANE_SERVICES, ControlPlaneService, CubeError, HealthReply, Subjects } from '@cube/contracts';
import { ServiceBus, ServiceRequester } from '@cube/messaging';
import { GATEWAY_ENVIRONMENT } from '../config/tokens';
import { GatewayEnvironment } from '../config/gateway-environment';

export interface Readiness {
  ready: boolean;
  nats: 'up' | 'down';
  /** Services that did not answer their ping in time. */
  missing: ControlPlaneService[];
  /** Services that answered but reported a dependency down. */
  degraded: ControlPlaneService[];
  services: Partial<Record<ControlPlaneService, HealthReply | { error: string }>>;
}

/**
 * Pings every control-plane service in parallel with a short deadline. Wardens are not part of
 * the control plane's readiness: each reports through its cluster's heartbeat instead.
 */
@Injectable()
export class ReadinessService implements OnModuleDestroy {
  private natsConnected = false;
  private readonly statusSubscription: Subscription;

  constructor(
    private readonly requester: ServiceRequester,
    private readonly bus: ServiceBus,
    @Inject(GATEWAY_ENVIRONMENT) private readonly env: GatewayEnvironment,
  ) {
    this.statusSubscription = this.bus.client.status.subscribe((status) => {
      this.natsConnected = status === 'connected';
    });
  }

  onModuleDestroy(): void {
    this.statusSubscription.unsubscribe();
  }

  async check(requestId: string): Promise<Readiness> {
    const answers = await Promise.all(CONTROL_PLANE_SERVICES.map((service) => this.ping(service, requestId)));
    const services: Readiness['services'] = {};
    const missing: ControlPlaneService[] = [];
    const degraded: ControlPlaneService[] = [];
    CONTROL_PLANE_SERVICES.forEach((service, index) => {
      const answer = answers[index];
      if (!answer || 'error' in answer) {
        missing.push(service);
        services[service] = answer ?? { error: 'no answer' };
      } else {
        services[service] = answer;
        if (answer.status !== 'ok') degraded.push(service);
      }
    });
    const nats = this.natsConnected ? 'up' : 'down';
    return { ready: nats === 'up' && missing.length === 0 && degraded.length === 0, nats, missing, degraded, services };
  }

  private async ping(service: ControlPlaneService, requestId: string): Promise<HealthReply | { error: string }> {
    try {
      return await this.requester.request(
        Subjects.health.ping(service),
        { actor: { kind: 'system', name: 'gateway' }, requestId, payload: {} },
        this.env.CUBE_READY_TIMEOUT_MS,
      );
    } catch (error: unknown) {
      return { error: error instanceof CubeError ? error.message : String(error) };
    }
  }
}
