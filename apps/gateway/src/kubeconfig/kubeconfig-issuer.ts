import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { Actor, IdentitySubjects } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { GatewayEnvironment } from '../config/gateway-environment';
import { GATEWAY_ENVIRONMENT } from '../config/tokens';
import { ClusterReach } from './cluster-reach';
import { kubeconfigDocument, ReachableCluster } from './kubeconfig-document';
import { KubeconfigQuery } from './kubeconfig-query';

/** Where the gateway listens, as the request's socket saw it. */
export interface GatewayAddress {
  address: string;
  port: number;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/**
 * Issues kubeconfigs. Everything is checked before the token is created, so a refused request
 * (unknown or invisible cluster, bad query) leaves no token behind; the token itself is made by
 * identity's ordinary token-create request, so it is listed and revoked like any other API token.
 */
@Injectable()
export class KubeconfigIssuer {
  private readonly caPem: string | null;

  constructor(
    private readonly reach: ClusterReach,
    private readonly bus: ServiceRequester,
    @Inject(GATEWAY_ENVIRONMENT) private readonly env: GatewayEnvironment,
  ) {
    // Read once at start: a configured but unreadable CA is a configuration error, not a per-request one.
    this.caPem = env.CUBE_PUBLIC_CA_FILE ? readFileSync(env.CUBE_PUBLIC_CA_FILE, 'utf8') : null;
  }

  /** The kubeconfig of one cluster, or null when the caller does not reach it (a 404, like an unknown one). */
  async forCluster(
    actor: Actor,
    requestId: string,
    listening: GatewayAddress,
    cluster: string,
    query: KubeconfigQuery,
  ): Promise<string | null> {
    const reached = await this.reach.one(actor, requestId, cluster);
    if (!reached) return null;
    return (await this.issue(actor, requestId, listening, [reached], query.tokenName ?? `kubeconfig-${reached.name}`, query.expiresAt))
      .kubeconfig;
  }

  /** One file for every cluster the caller reaches; with none, an empty kubeconfig and no token. */
  async forAllClusters(actor: Actor, requestId: string, listening: GatewayAddress, query: KubeconfigQuery): Promise<string> {
    const reached = await this.reach.all(actor, requestId);
    return (await this.issue(actor, requestId, listening, reached, query.tokenName ?? 'kubeconfig', query.expiresAt)).kubeconfig;
  }

  /** A kubeconfig for `clusters` (already checked as reached) with a new token; its id, to revoke it later (CloudShell). */
  async issue(
    actor: Actor,
    requestId: string,
    listening: GatewayAddress,
    clusters: ReachableCluster[],
    tokenName: string,
    expiresAt: string | undefined,
  ): Promise<{ kubeconfig: string; tokenId: string | null }> {
    const token =
      clusters.length === 0
        ? null
        : await this.bus.request(IdentitySubjects.tokenCreate, {
            actor,
            requestId,
            payload: { name: tokenName, ...(expiresAt ? { expiresAt } : {}) },
          });
    return {
      kubeconfig: kubeconfigDocument({
        publicUrl: this.publicUrl(listening),
        caPem: this.caPem,
        user: actor.name,
        token: token?.token ?? null,
        clusters,
      }),
      tokenId: token?.id ?? null,
    };
  }

  publicUrl(listening: GatewayAddress): string {
    if (this.env.CUBE_PUBLIC_URL) return this.env.CUBE_PUBLIC_URL;
    const host = WILDCARD_HOSTS.has(this.env.CUBE_HTTP_HOST) ? listening.address : this.env.CUBE_HTTP_HOST;
    const scheme = this.env.CUBE_TLS_CERT_FILE ? 'https' : 'http';
    return `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${listening.port}`;
  }
}
