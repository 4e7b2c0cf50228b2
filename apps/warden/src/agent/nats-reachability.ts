import { connect } from 'nats';
import type { NatsAuthOptions } from '@cube/messaging';

/**
 * Resolves once NATS accepts a connection, trying again every second: Warden's webhooks already
 * answer from the cache meanwhile, so a control plane that is down at start does not keep a member
 * cluster from authenticating or enforcing quota (issue #7, autonomy).
 */
export async function untilNatsAnswers(servers: string[], auth: NatsAuthOptions, onWaiting: () => void): Promise<void> {
  let told = false;
  for (;;) {
    try {
      const probe = await connect({ ...auth, servers, reconnect: false, timeout: 2000, name: 'cube-warden-probe' });
      await probe.close();
      return;
    } catch {
      if (!told) onWaiting();
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
