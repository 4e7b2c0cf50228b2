import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AbandonedConsoleSession, ConsoleSubjects } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { CloudShells } from './cloud-shells';

/** How often abandoned sessions are looked for: a CloudShell whose ticket expired unused lives about this much longer. */
export const REAP_INTERVAL_MS = 10_000;
const GATEWAY = { kind: 'system', name: 'gateway' } as const;

/**
 * Ends what no stream will end — a session whose ticket expired unused, one whose gateway stopped
 * mid-stream — and removes the CloudShell pods and tokens among them. Every gateway replica asks;
 * the console service hands each session to exactly one.
 */
@Injectable()
export class ConsoleReaper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConsoleReaper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly bus: ServiceRequester,
    private readonly shells: CloudShells,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.reap().finally(() => (this.running = undefined));
    }, REAP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async reap(): Promise<void> {
    const requestId = randomUUID();
    let abandoned: AbandonedConsoleSession[];
    try {
      abandoned = await this.bus.request(ConsoleSubjects.reap, {
        actor: GATEWAY,
        requestId,
        payload: {},
      });
    } catch (error: unknown) {
      // The console service is away: the next round asks again.
      this.logger.debug({ err: error }, 'abandoned terminal sessions not asked for');
      return;
    }
    for (const session of abandoned.filter((s) => s.kind === 'cloudshell')) {
      await this.shells.remove(
        { cluster: session.cluster, pod: session.pod, tokenId: session.tokenId },
        { kind: 'user', name: session.user, groups: session.groups },
        requestId,
      );
    }
  }
}
