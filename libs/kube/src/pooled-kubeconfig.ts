import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];

/**
 * A KubeConfig whose API clients share one keep-alive connection pool. client-node makes a new
 * agent for every request, so each call pays a fresh TCP and TLS handshake; an agent that fans out
 * thousands of server-side applies (Warden) spends more time handshaking than applying. Credentials
 * are still read per request (a rotated service-account token is picked up); the TLS material of the
 * pool is read once, when the first request is made.
 */
export class PooledKubeConfig extends KubeConfig {
  private agent: Promise<HttpAgent | HttpsAgent> | undefined;

  /** A copy of `source` (clusters, users, contexts, current context) with pooled connections. */
  static from(source: KubeConfig, maxSockets = 64): PooledKubeConfig {
    const pooled = new PooledKubeConfig(maxSockets);
    pooled.loadFromOptions({
      clusters: source.clusters,
      users: source.users,
      contexts: source.contexts,
      currentContext: source.currentContext,
    });
    return pooled;
  }

  constructor(private readonly maxSockets = 64) {
    super();
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    this.agent ??= this.makeAgent();
    context.setAgent(await this.agent);
  }

  /** Closes the pooled connections (idle ones now, busy ones when released). */
  destroy(): void {
    void this.agent?.then((agent) => agent.destroy());
    this.agent = undefined;
  }

  private async makeAgent(): Promise<HttpAgent | HttpsAgent> {
    const server = this.getCurrentCluster()?.server ?? '';
    const common = { keepAlive: true, maxSockets: this.maxSockets, scheduling: 'lifo' as const, noDelay: true };
    if (server.startsWith('http:')) return new HttpAgent(common);
    const options: RequestOptions = {};
    await this.applyToHTTPSOptions(options);
    return new HttpsAgent({
      ...common,
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      pfx: options.pfx,
      passphrase: options.passphrase,
      servername: options.servername,
      ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
    });
  }
}
