import { Controller, Inject, Injectable, Optional, Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import { CubeService, DependencyState, HealthReply, Subjects } from '@cube/contracts';
import { CUBE_VERSION } from '@cube/observability';

const DATABASE_CHECK_TIMEOUT_MS = 1000;

/** Reports the state of what a service depends on. NATS is up by construction: the ping arrived over it. */
@Injectable()
export class DependencyProbe {
  constructor(@Optional() @Inject(DataSource) private readonly dataSource?: DataSource) {}

  async states(): Promise<Record<string, DependencyState>> {
    const states: Record<string, DependencyState> = { nats: 'up' };
    if (this.dataSource) states['database'] = (await this.databaseAnswers()) ? 'up' : 'down';
    return states;
  }

  private async databaseAnswers(): Promise<boolean> {
    if (!this.dataSource?.isInitialized) return false;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), DATABASE_CHECK_TIMEOUT_MS);
    });
    const answered = this.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Builds the controller answering `cube.<service>.health.ping`; the subject depends on the service. */
export function healthControllerFor(service: CubeService): Type<unknown> {
  @Controller()
  class HealthController {
    constructor(private readonly probe: DependencyProbe) {}

    @MessagePattern(Subjects.health.ping(service))
    async ping(): Promise<HealthReply> {
      const dependencies = await this.probe.states();
      const status = Object.values(dependencies).every((state) => state === 'up') ? 'ok' : 'degraded';
      return { service, version: CUBE_VERSION, status, dependencies };
    }
  }
  return HealthController;
}
