import { createHash } from 'node:crypto';
import type { ClientRequest, OutgoingHttpHeaders } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { RequestOptions } from 'node:https';
import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ClustersSubjects, ClusterStatus, CubeError, ProxyCredentials } from '@cube/contracts';
import { parseKubeconfig } from '@cube/kube';
import { ServiceRequester } from '@cube/messaging';
import { SecretBox } from '@cube/persistence';
import { GatewayEnvironment } from '../config/gateway-environment';
import { GATEWAY_ENVIRONMENT } from '../config/tokens';
import { ProxyError } from './kube-status';

const GATEWAY = { kind: 'system', name: 'gateway' } as const;

/**
 * How long a cluster's connection is used without asking the clusters service again. Events drop it
 * at once; this bounds staleness when an event is missed (core NATS is at most once).
 */
export const CONNECTION_TTL_MS = 30_000;

/** A member kube-apiserver as the proxy reaches it: credentials and CA loaded once, one keep-alive agent. */
export interface ProxyTarget {
  name: string;
  status: ClusterStatus;
  server: URL;
  agent: Agent;
  /** `Authorization` for Cube's identity in the member when it is a token (or basic auth); absent with a client certificate. */
  authorization?: string;
  /** Hash of the server and kubeconfig: an unchanged cluster keeps its agent (and its open connections) on refresh. */
  fingerprint: string;
}

interface Entry {
  target: Promise<ProxyTarget>;
  /** The target once loaded, so the hot path can take it without awaiting a promise. */
  loaded?: ProxyTarget;
  expiresAt: number;
}

/** Asks the clusters service for a cluster's connection and keeps one agent per cluster. */
@Injectable()
export class ClusterConnections implements OnApplicationShutdown {
  private readonly box: SecretBox | undefined;
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly bus: ServiceRequester,
    @Inject(GATEWAY_ENVIRONMENT) env: GatewayEnvironment,
  ) {
    this.box = env.CUBE_SECRET_KEY ? SecretBox.fromBase64(env.CUBE_SECRET_KEY) : undefined;
  }

  async target(name: string, requestId: string): Promise<ProxyTarget> {
    const entry = this.entries.get(name);
    if (entry && entry.expiresAt > Date.now()) return entry.target;
    const next: Entry = { target: this.load(name, requestId, entry), expiresAt: Date.now() + CONNECTION_TTL_MS };
    this.entries.set(name, next);
    next.target.then(
      (target) => (next.loaded = target),
      () => undefined,
    );
    try {
      return await next.target;
    } catch (error: unknown) {
      // A failure is not cached: the next request asks again.
      if (this.entries.get(name) === next) this.entries.delete(name);
      throw error;
    }
  }

  /** The cluster's target when it is loaded and still fresh, at once; otherwise undefined (then ask target()). */
  cached(name: string): ProxyTarget | undefined {
    const entry = this.entries.get(name);
    return entry && entry.expiresAt > Date.now() ? entry.loaded : undefined;
  }

  /** The cluster changed (status, credentials) or is gone: the next request asks again, idle connections close. */
  forget(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    this.entries.delete(name);
    entry.target.then(
      (target) => retire(target.agent),
      () => undefined,
    );
  }

  forgetAll(): void {
    for (const name of [...this.entries.keys()]) this.forget(name);
  }

  onApplicationShutdown(): void {
    for (const entry of this.entries.values())
      entry.target.then(
        (target) => target.agent.destroy(),
        () => undefined,
      );
    this.entries.clear();
  }

  private async load(name: string, requestId: string, expired: Entry | undefined): Promise<ProxyTarget> {
    const connection = await this.bus.request(ClustersSubjects.connection, {
      actor: GATEWAY,
      requestId,
      payload: { name },
    });
    if (!this.box) throw new ProxyError(503, 'the gateway has no CUBE_SECRET_KEY: member cluster credentials cannot be opened');
    if (connection.keyId !== this.box.keyId) {
      throw new ProxyError(
        503,
        `the credentials of cluster "${name}" are sealed with key ${connection.keyId}, which the gateway does not have`,
      );
    }
    const { kubeconfig } = this.box.open<ProxyCredentials>(connection.credentials);
    const fingerprint = createHash('sha256').update(connection.server).update('\0').update(kubeconfig).digest('hex');
    const previous = await expired?.target.catch(() => undefined);
    if (previous?.fingerprint === fingerprint) return { ...previous, status: connection.status };
    if (previous) retire(previous.agent);
    return { name, status: connection.status, server: new URL(connection.server), fingerprint, ...(await agentFor(name, kubeconfig)) };
  }
}

/** TLS material and credential of the kubeconfig's current context, read once into an agent. */
async function agentFor(name: string, kubeconfig: string): Promise<{ agent: Agent; authorization?: string }> {
  const options: RequestOptions = {};
  try {
    // The client library reads every form a kubeconfig may take (inline data, files, token, exec plugins).
    await parseKubeconfig(kubeconfig).applyToHTTPSOptions(options);
  } catch (error: unknown) {
    throw new CubeError(
      'UNAVAILABLE',
      `the stored kubeconfig of cluster "${name}" cannot be used: ${error instanceof Error ? error.message : String(error)}`,
      { cluster: name },
    );
  }
  const headers = (options.headers ?? {}) as Record<string, unknown>;
  const bearer = headers['Authorization'] ?? headers['authorization'];
  const authorization =
    typeof bearer === 'string' ? bearer : options.auth ? `Basic ${Buffer.from(options.auth).toString('base64')}` : undefined;
  const agent = new Agent({
    keepAlive: true,
    // Reuse the most recently used connection first, so a quiet period lets the others idle out.
    scheduling: 'lifo',
    // Exec keystrokes and watch requests are small writes that must not wait for Nagle's algorithm.
    noDelay: true,
    ca: options.ca,
    cert: options.cert,
    key: options.key,
    servername: options.servername,
    ...(options.rejectUnauthorized !== undefined ? { rejectUnauthorized: options.rejectUnauthorized } : {}),
  });
  return authorization ? { agent, authorization } : { agent };
}

/**
 * Stops reusing an agent without cutting what runs on it: idle connections close now, busy ones
 * (a watch, an exec session) when they are released.
 */
function retire(agent: Agent): void {
  agent.on('free', (socket: { destroy(): void }) => socket.destroy());
  for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
}

/** The request to the member's kube-apiserver, on the cluster's keep-alive agent (also the console's, for its access checks). */
export function upstreamRequest(
  target: ProxyTarget,
  method: string | undefined,
  path: string,
  headers: OutgoingHttpHeaders,
): ClientRequest {
  return httpsRequest({
    protocol: 'https:',
    hostname: target.server.hostname,
    port: target.server.port || 443,
    method,
    path,
    headers,
    agent: target.agent,
  });
}
